"""The competency profile, its "why" view, pre/post gain, and concurrent submits."""

import threading

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Attempt, CompetenceResult
from competencies.models import Framework
from tests.assessments.conftest import make_quiz, right_answers


def submit(client, quiz, data):
    client.post(reverse("assessments:start", args=[quiz.pk]))
    attempt = Attempt.objects.filter(quiz_key=quiz.translation_key).latest("pk")
    client.post(reverse("assessments:submit", args=[attempt.pk]), data)
    attempt.refresh_from_db()
    return attempt


def test_profile_shows_levels_chart_and_why(client, learner, course_with_quiz):
    client.force_login(learner)
    submit(
        client, course_with_quiz["quiz"], right_answers(course_with_quiz["questions"])
    )
    response = client.get("/en/learning/profile/")
    assert response.status_code == 200
    entries = {
        e.competence.code: e for a in response.context["areas"] for e in a["entries"]
    }
    assert entries["4.2"].level.code == "L2"
    assert entries["1.2"].level.code == "L3"
    html = response.content.decode()
    assert "level-bars" in html and "Intermediate" in html
    km = client.get("/km/learning/profile/").content.decode()
    assert "មធ្យម" in km and "level-bars" in km
    why = client.get(reverse("assessments:why", args=["4.2"]))
    assert why.status_code == 200
    assert why.context["rank"] == 2
    assert len(why.context["rows"]) == 1
    assert why.context["rows"][0]["responses"]


def test_profile_aggregation_follows_the_framework(
    client, learner, course_with_quiz, framework
):
    quiz = course_with_quiz["quiz"]
    quiz.attempts_allowed = 0
    quiz.save_revision().publish()
    client.force_login(learner)
    submit(client, quiz, right_answers(course_with_quiz["questions"]))  # 4.2 -> L2
    submit(client, quiz, {})  # 4.2 -> nothing

    def level():
        response = client.get(reverse("assessments:profile"))
        return {
            e.competence.code: e.rank
            for a in response.context["areas"]
            for e in a["entries"]
        }["4.2"]

    assert level() == 2  # highest
    Framework.objects.filter(pk=framework.pk).update(aggregation="most_recent")
    assert level() == 0
    Framework.objects.filter(pk=framework.pk).update(aggregation="decaying_average")
    assert level() == 0  # 0.65 * 0 + 0.35 * 2 = 0.7
    Framework.objects.filter(pk=framework.pk).update(aggregation="n_times")
    assert level() == 0  # L2 reached once only


def test_learner_sees_only_own_profile(
    client, learner, course_with_quiz, django_user_model
):
    client.force_login(learner)
    submit(
        client, course_with_quiz["quiz"], right_answers(course_with_quiz["questions"])
    )
    other = django_user_model.objects.create_user(email="o@example.org", password="x")
    client.force_login(other)
    response = client.get(reverse("assessments:profile"))
    assert response.context["assessed_count"] == 0
    assert client.get(reverse("assessments:why", args=["4.2"])).context["rows"] == []


def test_pre_test_gain_per_competence(client, learner, course_with_quiz):
    questions = course_with_quiz["questions"]
    pre = make_quiz(
        course_with_quiz["course"],
        questions,
        slug="pre",
        is_diagnostic=True,
        required=False,
    )
    client.force_login(learner)
    submit(client, pre, {})
    post = submit(client, course_with_quiz["quiz"], right_answers(questions))
    response = client.get(reverse("assessments:result", args=[post.pk]))
    lines = {line.competence.code: line for line in response.context["competences"]}
    assert lines["4.2"].has_pre and lines["4.2"].gain == 2
    assert lines["1.2"].gain == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_score_one_attempt(learner, course_with_quiz):
    from django.db import connections
    from django.http import QueryDict

    quiz = course_with_quiz["quiz"]
    attempt = services.attempt_start(user=learner, quiz=quiz)
    data = QueryDict(mutable=True)
    for key, value in right_answers(course_with_quiz["questions"]).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    services.responses_save(attempt_id=attempt.pk, user=learner, data=data)
    barrier = threading.Barrier(2)
    errors = []

    def submit_once():
        try:
            barrier.wait()
            services.attempt_submit(attempt_id=attempt.pk, user=learner)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.percent == 100
    assert CompetenceResult.objects.filter(attempt=attempt).count() == 2


def test_level_wording_follows_the_framework_names(
    client, learner, course_with_quiz, framework
):
    """Below the first level reads "below <first level>", with the framework's own
    name for it, on the profile, the result and its pre-test column and the "why"
    page; a competence with no answered question reads "not assessed"."""
    framework.levels.filter(rank=1).update(name_en="Foundation", name_km="គ្រឹះ")
    questions = course_with_quiz["questions"]
    pre = make_quiz(
        course_with_quiz["course"],
        questions,
        slug="pre-wording",
        is_diagnostic=True,
        required=False,
    )
    client.force_login(learner)
    submit(client, pre, {})  # every competence assessed, none reached
    post = submit(client, course_with_quiz["quiz"], {})
    profile = client.get("/en/learning/profile/").content.decode()
    assert "below Foundation" in profile and "Basic" not in profile
    result = client.get(reverse("assessments:result", args=[post.pk]))
    html = result.content.decode()
    assert html.count("below Foundation") >= 4  # level and pre-test, 2 competences
    why = client.get(reverse("assessments:why", args=["4.2"])).content.decode()
    assert "below Foundation" in why
    km = client.get("/km/learning/profile/").content.decode()
    assert "ក្រោមកម្រិត គ្រឹះ" in km
    other = learner.__class__.objects.create_user(email="w@example.org", password="x")
    client.force_login(other)
    fresh = client.get("/en/learning/profile/").content.decode()
    assert "not assessed" in fresh and "below Foundation" not in fresh
