"""The attempt lifecycle through the web views."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Attempt, CompetenceResult, Response
from courses.models import Enrolment
from tests.assessments.conftest import make_question, make_quiz, right_answers


def start(client, quiz):
    response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 302, response.content.decode()[:500]
    return Attempt.objects.latest("pk")


def test_take_page_hides_correct_answers(client, learner, course_with_quiz):
    client.force_login(learner)
    attempt = start(client, course_with_quiz["quiz"])
    html = client.get(
        reverse("assessments:attempt", args=[attempt.pk])
    ).content.decode()
    assert "Which one is right?" in html or "តើមួយណាត្រឹមត្រូវ?" in html
    for forbidden in (
        "is_correct",
        "Feedback Right",
        "មតិ",
        "ពាក្យសម្ងាត់",
        "Because it is",
        "correct",
    ):
        assert forbidden not in html


def test_autosave_then_reload_keeps_answers(client, learner, course_with_quiz):
    client.force_login(learner)
    questions = course_with_quiz["questions"]
    attempt = start(client, course_with_quiz["quiz"])
    single = questions[0]
    right = single.choices.get(is_correct=True)
    response = client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"question": single.pk, f"q-{single.pk}": right.pk},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200 and response.json()["ok"]
    text = questions[3]
    client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"question": text.pk, f"q-{text.pk}": "ពាក្យ​សម្ងាត់"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    # A reload (or starting again from the quiz page) resumes the same attempt.
    assert start(client, course_with_quiz["quiz"]).pk == attempt.pk
    html = client.get(
        reverse("assessments:attempt", args=[attempt.pk])
    ).content.decode()
    assert f'value="{right.pk}" checked' in html
    assert "ពាក្យ​សម្ងាត់" in html
    assert Response.objects.filter(attempt=attempt).count() == 2


def test_submit_scores_once_and_reports_per_competence(
    client, learner, course_with_quiz
):
    client.force_login(learner)
    quiz = course_with_quiz["quiz"]
    attempt = start(client, quiz)
    data = right_answers(course_with_quiz["questions"])
    response = client.post(reverse("assessments:submit", args=[attempt.pk]), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.percent == 100 and attempt.passed
    # A second submit (double click, another tab) changes nothing.
    again = client.post(reverse("assessments:submit", args=[attempt.pk]), {})
    assert again.status_code == 409
    assert CompetenceResult.objects.filter(attempt=attempt).count() == 2
    attempt.refresh_from_db()
    assert attempt.percent == 100
    result = client.get(
        reverse("assessments:result", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert result.status_code == 200
    lines = {line.competence.code: line for line in result.context["competences"]}
    assert lines["4.2"].level.code == "L2"  # L1 and L2 questions only
    assert lines["1.2"].level.code == "L3"  # L2 numeric, L3 ordering
    html = result.content.decode()
    assert "Feedback Right" in html or "មតិ" in html  # feedback allowed immediately


def test_wrong_answers_give_lower_levels(client, learner, course_with_quiz):
    client.force_login(learner)
    questions = course_with_quiz["questions"]
    attempt = start(client, course_with_quiz["quiz"])
    data = right_answers(questions)
    data[f"q-{questions[2].pk}"] = []  # multiple choice left empty (L2)
    data[f"q-{questions[3].pk}"] = "wrong"  # short text wrong (L2)
    client.post(reverse("assessments:submit", args=[attempt.pk]), data)
    levels = {
        r.competence.code: r.level_rank
        for r in CompetenceResult.objects.filter(attempt=attempt).select_related(
            "competence"
        )
    }
    assert levels == {"4.2": 1, "1.2": 3}


def test_forged_choice_and_foreign_question_are_refused(
    client, learner, course_with_quiz, bank, framework
):
    client.force_login(learner)
    questions = course_with_quiz["questions"]
    attempt = start(client, course_with_quiz["quiz"])
    other = make_question(bank, framework, key="elsewhere")
    forged = other.choices.first()
    response = client.post(
        f"/km/learning/attempts/{attempt.pk}/save/",
        {"question": questions[0].pk, f"q-{questions[0].pk}": forged.pk},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    message = "That choice is not part of this question."
    with translation.override("km"):
        assert response.json()["error"] == translation.gettext(message) != message
    response = client.post(
        f"/km/learning/attempts/{attempt.pk}/save/",
        {"question": other.pk, f"q-{other.pk}": forged.pk},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    response = client.post(
        f"/km/learning/attempts/{attempt.pk}/save/",
        {"question": questions[0].pk, f"q-{questions[0].pk}": "not-a-number"},
    )
    assert response.status_code == 400
    assert not Response.objects.filter(attempt=attempt).exists()


def test_another_learners_attempt_is_not_found(
    client, learner, course_with_quiz, django_user_model
):
    client.force_login(learner)
    attempt = start(client, course_with_quiz["quiz"])
    intruder = django_user_model.objects.create_user(
        email="intruder@example.org", password="x"
    )
    client.force_login(intruder)
    q = course_with_quiz["questions"][0]
    for name in ("attempt", "result"):
        assert (
            client.get(reverse(f"assessments:{name}", args=[attempt.pk])).status_code
            == 404
        )
    assert (
        client.post(
            reverse("assessments:save", args=[attempt.pk]), {f"q-{q.pk}": ""}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("assessments:submit", args=[attempt.pk]), {}).status_code
        == 404
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_quiz_needs_enrolment(client, course_with_quiz, django_user_model):
    stranger = django_user_model.objects.create_user(
        email="s@example.org", password="x"
    )
    client.force_login(stranger)
    response = client.post(
        reverse("assessments:start", args=[course_with_quiz["quiz"].pk])
    )
    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_deadline_is_enforced_by_the_server(
    client, learner, course_with_quiz, framework, bank
):
    course = course_with_quiz["course"]
    questions = course_with_quiz["questions"][:2]
    quiz = make_quiz(
        course, questions, slug="timed", time_limit_minutes=10, shuffle_questions=False
    )
    client.force_login(learner)
    start_time = timezone.now()
    with time_machine.travel(start_time, tick=False):
        attempt = start(client, quiz)
        assert attempt.deadline == start_time + timedelta(minutes=10)
        right = questions[0].choices.get(is_correct=True)
        client.post(
            reverse("assessments:save", args=[attempt.pk]),
            {"question": questions[0].pk, f"q-{questions[0].pk}": right.pk},
        )
    with time_machine.travel(start_time + timedelta(minutes=10, seconds=1), tick=False):
        late = questions[1].choices.get(is_correct=True)
        response = client.post(
            reverse("assessments:save", args=[attempt.pk]),
            {"question": questions[1].pk, f"q-{questions[1].pk}": late.pk},
            HTTP_X_REQUESTED_WITH="fetch",
        )
        assert response.status_code == 409
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.SUBMITTED
        assert attempt.closed_by_deadline
        assert attempt.score == 1  # only the answer saved in time counts
        assert not Response.objects.filter(
            attempt=attempt, question=questions[1]
        ).exists()
        response = client.post(reverse("assessments:submit", args=[attempt.pk]), {})
        assert response.status_code == 409


def test_overdue_sweep_closes_attempts_idempotently(learner, course_with_quiz):
    from assessments import services

    quiz = course_with_quiz["quiz"]
    quiz.time_limit_minutes = 5
    quiz.save_revision().publish()
    quiz.refresh_from_db()
    now = timezone.now()
    attempt = services.attempt_start(user=learner, quiz=quiz, now=now)
    assert services.attempts_close_overdue(now=now + timedelta(minutes=4)) == 0
    assert services.attempts_close_overdue(now=now + timedelta(minutes=6)) == 1
    assert services.attempts_close_overdue(now=now + timedelta(minutes=7)) == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED


def test_attempt_limit_and_grading(client, learner, course_with_quiz):
    from assessments import services

    quiz = course_with_quiz["quiz"]
    quiz.attempts_allowed = 2
    quiz.grading_method = "last"
    quiz.save_revision().publish()
    quiz = type(quiz).objects.get(pk=quiz.pk)
    data = right_answers(course_with_quiz["questions"])
    client.force_login(learner)
    first = start(client, quiz)
    client.post(reverse("assessments:submit", args=[first.pk]), data)
    second = start(client, quiz)
    client.post(reverse("assessments:submit", args=[second.pk]), {})
    response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 409
    page = client.get(quiz.url)
    assert page.context["grade"] == 0  # last attempt counts
    with pytest.raises(services.AssessmentError):
        services.attempt_start(user=learner, quiz=quiz)


def test_feedback_after_close_is_hidden_until_then(client, learner, course_with_quiz):
    quiz = course_with_quiz["quiz"]
    quiz.feedback_timing = "after_close"
    quiz.close_at = timezone.now() + timedelta(days=1)
    quiz.save_revision().publish()
    client.force_login(learner)
    attempt = start(client, quiz)
    client.post(
        reverse("assessments:submit", args=[attempt.pk]),
        right_answers(course_with_quiz["questions"]),
    )
    html = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert "Feedback Right" not in html and "មតិ" not in html
    assert "Because it is" not in html and "ព្រោះវាត្រឹមត្រូវ" not in html
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        html = client.get(
            reverse("assessments:result", args=[attempt.pk])
        ).content.decode()
        assert "ព្រោះវាត្រឹមត្រូវ" in html or "Because it is" in html


def test_passing_required_quiz_completes_course(
    client, learner, course_with_quiz, django_capture_on_commit_callbacks
):
    course = course_with_quiz["course"]
    client.force_login(learner)
    for lesson in course_with_quiz["lessons"]:
        client.post(reverse("courses:lesson_complete", args=[lesson.pk]))
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.status == Enrolment.Status.ACTIVE  # the quiz is still required
    attempt = start(client, course_with_quiz["quiz"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:submit", args=[attempt.pk]),
            right_answers(course_with_quiz["questions"]),
        )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    page = client.get(course.url)
    assert page.context["progress"].total == 2


def test_submit_query_count_does_not_grow_with_questions(
    client, learner, course_with_quiz, bank, framework, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course = course_with_quiz["course"]
    kinds = ["single", "multiple", "true_false", "short_text", "numeric", "ordering"]
    counts = []
    for size in (10, 60):
        questions = [
            make_question(
                bank,
                framework,
                kind=kinds[i % 6],
                level=f"L{i % 3 + 1}",
                competence="4.2" if i % 2 else "1.2",
                key=f"b{size}-{i}",
                accepted="ok",
                numeric_answer=5,
            )
            for i in range(size)
        ]
        quiz = make_quiz(course, questions, slug=f"size-{size}")
        client.force_login(learner)
        attempt = start(client, quiz)
        data = right_answers(questions)
        with CaptureQueriesContext(connection) as run:
            response = client.post(
                reverse("assessments:submit", args=[attempt.pk]), data
            )
        assert response.status_code == 302
        counts.append(len(run.captured_queries))
        attempt.refresh_from_db()
        assert attempt.percent == 100
    assert counts[0] == counts[1], counts


def test_random_draw_per_competence_and_level(
    learner, course_with_quiz, bank, framework
):
    from assessments import services
    from assessments.models import DrawRule, Question
    from competencies.models import Competence, ProficiencyLevel

    course = course_with_quiz["course"]
    for i in range(6):
        make_question(bank, framework, level="L1", competence="4.2", key=f"pool-a{i}")
        make_question(bank, framework, level="L2", competence="1.2", key=f"pool-b{i}")
    quiz = make_quiz(course, [], slug="drawn")
    quiz.draw_rules.add(
        DrawRule(
            bank=bank,
            competence=Competence.objects.get(framework=framework, code="4.2"),
            level=ProficiencyLevel.objects.get(framework=framework, code="L1"),
            count=3,
        )
    )
    quiz.draw_rules.add(
        DrawRule(
            bank=bank,
            competence=Competence.objects.get(framework=framework, code="1.2"),
            level=ProficiencyLevel.objects.get(framework=framework, code="L2"),
            count=2,
        )
    )
    quiz.save_revision().publish()
    quiz = type(quiz).objects.get(pk=quiz.pk)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    drawn = Question.objects.filter(pk__in=attempt.question_ids)
    assert len(attempt.question_ids) == len(set(attempt.question_ids)) == 5
    pairs = sorted(
        (q.competence_links.get().competence.code, q.level.code) for q in drawn
    )
    assert pairs == [("1.2", "L2")] * 2 + [("4.2", "L1")] * 3
