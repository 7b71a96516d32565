"""A course with a quiz of known questions, for assessment tests."""

from decimal import Decimal

import pytest

from assessments.models import (
    Choice,
    Question,
    QuestionBank,
    QuestionCompetence,
    QuizPage,
    QuizQuestion,
)
from competencies.models import Competence, ProficiencyLevel
from courses import services as course_services
from tests.courses.conftest import framework, make_course, site_tree  # noqa: F401


def make_question(
    bank,
    fw,
    *,
    kind="single",
    level="L1",
    competence="4.2",
    points=1,
    key=None,
    **extra,
):
    level_obj = ProficiencyLevel.objects.get(framework=fw, code=level)
    question = Question.objects.create(
        bank=bank,
        key=key or "",
        kind=kind,
        level=level_obj,
        points=Decimal(points),
        stem_km="<p>តើមួយណាត្រឹមត្រូវ?</p>",
        stem_en="<p>Which one is right?</p>",
        explanation_en="Because it is.",
        explanation_km="ព្រោះវាត្រឹមត្រូវ។",
        accepted_answers=extra.pop("accepted", ""),
        numeric_answer=extra.pop("numeric_answer", None),
        tolerance=extra.pop("tolerance", 0),
    )
    QuestionCompetence.objects.create(
        question=question,
        competence=Competence.objects.get(framework=fw, code=competence),
        weight=1,
    )
    choices = extra.pop("choices", None)
    if choices is None and kind in ("single", "true_false"):
        choices = [("Right", True), ("Wrong", False), ("Also wrong", False)]
        if kind == "true_false":
            choices = [("True", True), ("False", False)]
    if choices is None and kind == "multiple":
        choices = [("A", True), ("B", True), ("C", False)]
    if choices is None and kind == "ordering":
        choices = [("First", False), ("Second", False), ("Third", False)]
    for order, (text, correct) in enumerate(choices or []):
        Choice.objects.create(
            question=question,
            sort_order=order,
            text_en=text,
            text_km=f"ជម្រើស {text}",
            is_correct=correct,
            feedback_en=f"Feedback {text}",
            feedback_km=f"មតិ {text}",
        )
    return question


def make_quiz(course, questions, **settings):
    quiz = QuizPage(
        title="តេស្តចុងក្រោយ", slug=settings.pop("slug", "final-quiz"), **settings
    )
    for question in questions:
        quiz.fixed_questions.add(QuizQuestion(question=question))
    course.add_child(instance=quiz)
    quiz.save_revision().publish()
    return QuizPage.objects.get(pk=quiz.pk)


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(
        name_en="Safety bank", name_km="ធនាគារសំណួរសុវត្ថិភាព"
    )


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        email="learner@example.org", password="x-pass-123"
    )


@pytest.fixture
def course_with_quiz(site_tree, framework, bank, learner):  # noqa: F811
    course, lessons = make_course(site_tree, framework, lessons=1)
    questions = [
        make_question(bank, framework, kind="single", level="L1", key="s1"),
        make_question(bank, framework, kind="true_false", level="L1", key="tf"),
        make_question(bank, framework, kind="multiple", level="L2", key="m"),
        make_question(
            bank,
            framework,
            kind="short_text",
            level="L2",
            key="st",
            accepted="ពាក្យសម្ងាត់\npassword",
        ),
        make_question(
            bank,
            framework,
            kind="numeric",
            level="L2",
            key="n",
            numeric_answer=Decimal(6),
            tolerance=0,
            competence="1.2",
        ),
        make_question(
            bank, framework, kind="ordering", level="L3", key="o", competence="1.2"
        ),
    ]
    quiz = make_quiz(
        course, questions, shuffle_questions=False, shuffle_choices=False, pass_mark=60
    )
    course_services.enrolment_create(user=learner, course=course)
    return {"course": course, "lessons": lessons, "quiz": quiz, "questions": questions}


def right_answers(questions):
    """POST data answering every question correctly."""
    data = {}
    for q in questions:
        choices = list(q.choices.order_by("sort_order", "pk"))
        name = f"q-{q.pk}"
        if q.kind in ("single", "true_false"):
            data[name] = str(next(c.pk for c in choices if c.is_correct))
        elif q.kind == "multiple":
            data[name] = [str(c.pk) for c in choices if c.is_correct]
        elif q.kind == "short_text":
            data[name] = q.accepted_answer_list()[0]
        elif q.kind == "numeric":
            data[name] = str(q.numeric_answer)
        elif q.kind == "ordering":
            for position, c in enumerate(choices, start=1):
                data[f"{name}-pos-{c.pk}"] = str(position)
    return data
