"""Editors build question banks, questions and quizzes in the Wagtail admin."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
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
