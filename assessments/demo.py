"""Load the demo question banks and quizzes in assessments/demo_content/ (idempotent).

Each file names the course it belongs to (by slug), a bank of bilingual questions,
a final quiz and optionally a diagnostic pre-test, each a list of question keys.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from wagtail.models import Locale

from assessments.models import (
    Choice,
    Question,
    QuestionBank,
    QuestionCompetence,
    QuizPage,
    QuizQuestion,
)
from competencies.models import Competence, ProficiencyLevel
from competencies.selectors import framework_get_default
from courses.models import CoursePage

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"


def _question(bank, framework, data) -> Question:
    question = Question.objects.filter(bank=bank, key=data["key"]).first()
    if question is not None:
        return question
    question = Question.objects.create(
        bank=bank,
        key=data["key"],
        kind=data["kind"],
        level=ProficiencyLevel.objects.get(framework=framework, code=data["level"]),
        points=Decimal(str(data.get("points", 1))),
        stem_en=data["stem_en"],
        stem_km=data["stem_km"],
        explanation_en=data.get("explanation_en", ""),
        explanation_km=data.get("explanation_km", ""),
        accepted_answers="\n".join(data.get("accepted_answers", [])),
        numeric_answer=(
            Decimal(str(data["answer"])) if data.get("answer") is not None else None
        ),
        tolerance=Decimal(str(data.get("tolerance", 0))),
    )
    for order, choice in enumerate(data.get("choices", [])):
        Choice.objects.create(
            question=question,
            sort_order=order,
            text_en=choice["text_en"],
            text_km=choice["text_km"],
            is_correct=bool(choice.get("correct", False)),
            feedback_en=choice.get("feedback_en", ""),
            feedback_km=choice.get("feedback_km", ""),
        )
    problems = question.problems()
    if problems:
        # Demo content is checked as the admin checks an editor's question.
        raise ValueError(f"demo question {data['key']}: {problems[0][1]}")
    for link in data["competences"]:
        competence = Competence.objects.filter(
            framework=framework, code=link["code"]
        ).first()
        if competence:
            QuestionCompetence.objects.create(
                question=question,
                competence=competence,
                weight=Decimal(str(link.get("weight", 1))),
            )
    return question


def _quiz(course, locale_en, *, slug, spec, questions, **settings) -> QuizPage:
    quiz = QuizPage.objects.child_of(course).filter(slug=slug).first()
    if quiz is not None:
        return quiz
    quiz = QuizPage(
        slug=slug,
        title=spec["title_km"],
        intro=spec.get("intro_km", ""),
        **settings,
    )
    for key in spec["questions"]:
        quiz.fixed_questions.add(QuizQuestion(question=questions[key]))
    course.add_child(instance=quiz)
    if settings.get("is_diagnostic"):
        # A pre-test comes before the lessons.
        quiz.move(course, pos="first-child")
        quiz.refresh_from_db()
    quiz.save_revision().publish()
    quiz_en = quiz.copy_for_translation(locale_en)
    quiz_en.title = spec["title_en"]
    quiz_en.intro = spec.get("intro_en", "")
    quiz_en.save_revision().publish()
    if settings.get("is_diagnostic"):
        quiz_en.move(quiz_en.get_parent(), pos="first-child")
    return quiz


@transaction.atomic
def demo_quizzes_load_file(path: Path) -> list[QuizPage]:
    data = json.loads(path.read_text(encoding="utf-8"))
    framework = framework_get_default()
    locale_km = Locale.objects.get(language_code="km")
    locale_en = Locale.objects.get(language_code="en")
    course = CoursePage.objects.filter(
        slug=data["course_slug"], locale=locale_km
    ).first()
    if course is None:
        return []
    bank, _created = QuestionBank.objects.get_or_create(
        name_en=data["bank"]["name_en"], defaults={"name_km": data["bank"]["name_km"]}
    )
    questions = {q["key"]: _question(bank, framework, q) for q in data["questions"]}
    quizzes = []
    if data.get("pretest"):
        quizzes.append(
            _quiz(
                course,
                locale_en,
                slug="pre-test",
                spec=data["pretest"],
                questions=questions,
                is_diagnostic=True,
                required=False,
                attempts_allowed=1,
                feedback_timing=QuizPage.Feedback.NEVER,
            )
        )
    quizzes.append(
        _quiz(
            course,
            locale_en,
            slug="final-quiz",
            spec=data["final"],
            questions=questions,
            required=True,
            attempts_allowed=3,
            time_limit_minutes=30,
            pass_mark=Decimal(70),
        )
    )
    return quizzes


def demo_quizzes_load() -> list[QuizPage]:
    quizzes = []
    for path in sorted(CONTENT_DIR.glob("*.json")):
        quizzes.extend(demo_quizzes_load_file(path))
    return quizzes
