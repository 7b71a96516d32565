"""Editors build question banks, questions and quizzes in the Wagtail admin."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from assessments.models import Question, QuestionBank, QuizPage
from competencies.models import Competence, ProficiencyLevel


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        email="editor@example.org", password="x-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def test_editor_builds_bank_question_and_quiz(client, editor, site_tree, framework):
    from tests.courses.conftest import make_course

    client.force_login(editor)
    response = client.post(
        "/admin/snippets/assessments/questionbank/add/",
        {"name_km": "ធនាគារ", "name_en": "Bank", "description": ""},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    bank = QuestionBank.objects.get(name_en="Bank")
    level = ProficiencyLevel.objects.get(framework=framework, code="L1")
    competence = Competence.objects.get(framework=framework, code="4.2")
    data = nested_form_data(
        {
            "bank": bank.pk,
            "key": "pw-1",
            "kind": "single",
            "level": level.pk,
            "points": "2",
            "stem_km": rich_text("<p>តើពាក្យសម្ងាត់មួយណាខ្លាំងជាង?</p>"),
            "stem_en": rich_text("<p>Which password is stronger?</p>"),
            "image": "",
            "image_alt_km": "",
            "image_alt_en": "",
            "choices": inline_formset(
                [
                    {
                        "text_km": "១២៣៤៥៦",
                        "text_en": "123456",
                        "feedback_km": "",
                        "feedback_en": "",
                    },
                    {
                        "text_km": "ឃ្លាវែងៗបួនពាក្យ",
                        "text_en": "A long four-word phrase",
                        "is_correct": "on",
                        "feedback_km": "",
                        "feedback_en": "",
                    },
                ]
            ),
            "accepted_answers": "",
            "numeric_answer": "",
            "tolerance": "0",
            "explanation_km": "",
            "explanation_en": "",
            "competence_links": inline_formset(
                [{"competence": competence.pk, "weight": "1"}]
            ),
            "is_active": "on",
        }
    )
    response = client.post("/admin/snippets/assessments/question/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(key="pw-1")
    assert question.choices.filter(is_correct=True).count() == 1
    assert list(
        question.competence_links.values_list("competence__code", flat=True)
    ) == ["4.2"]
    assert client.get("/admin/snippets/assessments/question/").status_code == 200

    course, _ = make_course(site_tree, framework, lessons=1, translate=False)
    quiz_data = nested_form_data(
        {
            "title": "តេស្ត",
            "slug": "quiz",
            "intro": rich_text(""),
            "fixed_questions": inline_formset([{"question": question.pk}]),
            "draw_rules": inline_formset([]),
            "time_limit_minutes": "20",
            "attempts_allowed": "2",
            "grading_method": "highest",
            "pass_mark": "70",
            "shuffle_questions": "on",
            "shuffle_choices": "on",
            "feedback_timing": "immediately",
            "required": "on",
            "action-publish": "publish",
        }
    )
    response = client.post(
        f"/admin/pages/add/assessments/quizpage/{course.pk}/", quiz_data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = QuizPage.objects.get(slug="quiz")
    assert quiz.live and quiz.course_key == course.translation_key
    assert quiz.fixed_questions.count() == 1


def _question_form(bank, level, competence, *, kind, choices=(), **fields):
    data = {
        "bank": bank.pk,
        "key": f"q-{kind}",
        "kind": kind,
        "level": level.pk,
        "points": "1",
        "stem_km": rich_text("<p>សំណួរ</p>"),
        "stem_en": rich_text("<p>A question</p>"),
        "image": "",
        "image_alt_km": "",
        "image_alt_en": "",
        "choices": inline_formset(
            [
                {
                    "text_km": f"ជម្រើស {n}",
                    "text_en": f"Choice {n}",
                    "feedback_km": "",
                    "feedback_en": "",
                    **({"is_correct": "on"} if correct else {}),
                }
                for n, correct in enumerate(choices, start=1)
            ]
        ),
        "accepted_answers": "",
        "numeric_answer": "",
        "tolerance": "0",
        "explanation_km": "",
        "explanation_en": "",
        "competence_links": inline_formset(
            [{"competence": competence.pk, "weight": "1"}]
        ),
        "is_active": "on",
    }
    data.update(fields)
    return nested_form_data(data)


@pytest.fixture
def question_form(framework):
    """Form data of a question in a fresh bank: ``question_form(kind=...)``."""
    bank = QuestionBank.objects.create(name_en="Bank", name_km="ធនាគារ")
    level = ProficiencyLevel.objects.get(framework=framework, code="L1")
    competence = Competence.objects.get(framework=framework, code="4.2")
    return lambda **kwargs: _question_form(bank, level, competence, **kwargs)


def shown(message: str) -> str:
    """The message as the admin shows it: in Khmer, the editors' language."""
    with translation.override("km"):
        return escape(translation.gettext(message))


UNANSWERABLE = [
    ("single", (False, False, False), {}, "Mark exactly one choice as correct."),
    ("single", (True, True), {}, "Mark exactly one choice as correct."),
    ("single", (True,), {}, "Give at least two choices."),
    (
        "true_false",
        (True, False, False),
        {},
        "A true-or-false question has exactly two choices.",
    ),
    ("multiple", (False, False), {}, "Mark at least one choice as correct."),
    ("ordering", (False,), {}, "Give at least two items to put in order."),
    ("numeric", (), {}, "Give the numeric answer."),
    (
        "numeric",
        (),
        {"numeric_answer": "5", "tolerance": "-1"},
        "The tolerance cannot be negative.",
    ),
    ("short_text", (), {}, "Give at least one accepted answer."),
    (
        "short_text",
        (True,),
        {"accepted_answers": "ok"},
        "This kind of question has no choices: remove them.",
    ),
]


@pytest.mark.parametrize("kind,choices,fields,message", UNANSWERABLE)
def test_admin_refuses_a_question_no_learner_could_answer_correctly(
    client, editor, question_form, kind, choices, fields, message
):
    client.force_login(editor)
    data = question_form(kind=kind, choices=choices, **fields)
    response = client.post("/admin/snippets/assessments/question/add/", data)
    assert response.status_code == 200
    assert shown(message) in response.content.decode()
    assert not Question.objects.exists()


def test_admin_refuses_removing_the_only_correct_choice(client, editor, question_form):
    client.force_login(editor)
    data = question_form(kind="single", choices=(True, False))
    assert (
        client.post("/admin/snippets/assessments/question/add/", data).status_code
        == 302
    )
    question = Question.objects.get()
    right = question.choices.get(is_correct=True)
    # Deleting the correct choice from the inline form leaves nothing right.
    data = nested_form_data(
        {
            **{
                k: v
                for k, v in question_form(kind="single").items()
                if not k.startswith("choices")
            },
            "choices": inline_formset(
                [
                    {
                        "id": c.pk,
                        "text_km": c.text_km,
                        "text_en": c.text_en,
                        "feedback_km": "",
                        "feedback_en": "",
                        **({"is_correct": "on"} if c.is_correct else {}),
                        **({"DELETE": "on"} if c.pk == right.pk else {}),
                    }
                    for c in question.choices.all()
                ],
                initial=2,
            ),
        }
    )
    response = client.post(
        f"/admin/snippets/assessments/question/edit/{question.pk}/", data
    )
    assert response.status_code == 200
    assert shown("Mark exactly one choice as correct.") in response.content.decode()
    assert question.choices.filter(is_correct=True).count() == 1


@pytest.mark.parametrize(
    "kind,choices,fields",
    [
        ("single", (False, True, False), {}),
        ("true_false", (True, False), {}),
        ("multiple", (True, False, True), {}),
        ("ordering", (False, False, False), {}),
        ("numeric", (), {"numeric_answer": "6", "tolerance": "0.5"}),
        ("short_text", (), {"accepted_answers": "ពាក្យសម្ងាត់\npassword"}),
    ],
)
def test_admin_saves_an_answerable_question_of_every_kind(
    client, editor, question_form, kind, choices, fields
):
    client.force_login(editor)
    data = question_form(kind=kind, choices=choices, **fields)
    response = client.post("/admin/snippets/assessments/question/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Question.objects.get().choices.count() == len(choices)
