"""Redis, the cache, stops: the site serves pages, a learner logs in, starts a timed
quiz and saves answers; a silent Redis costs one short timeout, not one per
operation; one log line, not a flood; once Redis answers again the cache works,
with nothing stale from before the outage.

Against a real redis-server on a spare loopback port (tests/faults/conftest.py),
killed (SIGKILL) or frozen (SIGSTOP) by the test."""

import logging
import time

import pytest
from django.contrib.auth import get_user
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from wagtail.models import Page

from assessments.models import Attempt, CompetenceResult, Response
from tests.assessments.conftest import (  # noqa: F401
    bank,
    course_with_quiz,
    framework,
    learner,
    make_quiz,
    right_answers,
    site_tree,
)
from tests.courses.conftest import make_course
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.faults.conftest import fail_soft_caches, wait_past_retry


def cache_warnings(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "lms.cache" and record.levelno == logging.WARNING
    ]


@pytest.mark.django_db
def test_pages_answer_with_redis_down(client, redis_cache, site_tree, framework):  # noqa: F811
    course, _ = make_course(site_tree, framework)
    course_en = course.get_translation(site_tree["en"])
    paths = [
        "/km/",
        "/en/",
        site_tree["index"].url,
        site_tree["index_en"].url,
        course.url,
        course_en.url,
        reverse("account_login"),
        "/en/accounts/login/",
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    # The pages went through Redis: Wagtail keeps its site root paths there.
    assert redis_cache.client().keys("*wagtail_site_root_paths*")

    redis_cache.stop()
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "Staying safe online" in client.get(course_en.url).content.decode()


@pytest.mark.django_db
def test_one_log_line_for_an_outage_not_one_per_request(
    client,
    redis_cache,
    site_tree,  # noqa: F811
    caplog,
):
    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="lms.cache"):
        for _ in range(5):
            assert client.get("/en/").status_code == 200
            wait_past_retry()  # every request tries Redis again, and fails again
    [warning] = cache_warnings(caplog)
    message = warning.getMessage()
    assert f"127.0.0.1:{redis_cache.port}" in message
    assert "ConnectionError" in message
    assert "rate limits are not enforced" in message


@pytest.mark.django_db
def test_login_with_redis_down_and_rate_limits_on(client, redis_cache, settings):
    # allauth's own limits (login: 30/m/ip) keep their history in the cache; a
    # cache that said "lock taken" would refuse every login (429).
    settings.ACCOUNT_RATE_LIMITS = {}
    user = UserFactory()
    redis_cache.stop()
    response = client.post(
        "/en/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:300]
    assert get_user(client) == user
    assert client.get("/en/").status_code == 200
    # The session is in the database: it outlives Redis coming back empty.
    redis_cache.start()
    wait_past_retry()
    assert client.get("/en/").status_code == 200
    assert get_user(client) == user


@pytest.mark.django_db
def test_timed_quiz_starts_and_answers_save_with_redis_down(
    client,
    redis_cache,
    learner,  # noqa: F811
    course_with_quiz,  # noqa: F811
):
    questions = course_with_quiz["questions"]
    quiz = make_quiz(
        course_with_quiz["course"],
        questions,
        slug="timed",
        time_limit_minutes=10,
        shuffle_questions=False,
        shuffle_choices=False,
    )
    client.force_login(learner)
    redis_cache.stop()

    assert client.get(Page.objects.get(pk=quiz.pk).url).status_code == 200
    response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 302, response.content.decode()[:300]
    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    assert attempt.deadline is not None
    assert response["Location"] == reverse("assessments:attempt", args=[attempt.pk])
    assert client.get(response["Location"]).status_code == 200

    answers = right_answers(questions)
    first = questions[0]
    response = client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"question": first.pk, f"q-{first.pk}": answers[f"q-{first.pk}"]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200 and response.json()["ok"]
    assert Response.objects.filter(attempt=attempt).count() == 1

    response = client.post(reverse("assessments:submit", args=[attempt.pk]), answers)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.percent == 100
    assert Response.objects.filter(attempt=attempt).count() == len(questions)
    assert CompetenceResult.objects.filter(attempt=attempt).count() == 2


def test_a_silent_redis_costs_one_short_timeout_then_nothing(redis_server, caplog):
    """Frozen (SIGSTOP), Redis accepts connections and never answers, like a host
    behind a dead link: the first operation waits the read timeout, the next ones
    skip Redis until the retry interval is over."""
    caches = fail_soft_caches(redis_server.url, socket_timeout=0.3, retry_after=30)
    with override_settings(CACHES=caches):
        cache.set("greeting", "hello")
        with redis_server.frozen(), caplog.at_level(logging.WARNING):
            started = time.monotonic()
            assert cache.get("greeting") is None
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(200):
                assert cache.get("greeting", "default") == "default"
                cache.set("greeting", "bye")
                cache.delete("greeting")
            rest = time.monotonic() - started
        assert 0.25 < first < 2, first
        assert rest < 0.5, rest
        [warning] = cache_warnings(caplog)
        assert "TimeoutError" in warning.getMessage()


def test_nothing_stale_comes_back_after_an_outage(redis_cache, caplog):
    """Writes missed while Redis was silent are deleted when it answers again:
    a revocation during the outage must not leave the status cached before it."""
    cache.set("status", "valid", 600)
    cache.set("untouched", "kept", 600)
    with redis_cache.frozen():
        # Times out: whether Redis applies it once it wakes up is unknown.
        cache.set("status", "revoked", 600)
        assert cache.get("untouched") is None  # a miss while down
        cache.delete("other")
    # Redis kept its data (SIGCONT): a value is still there, until...
    assert redis_cache.client().get(":1:status") is not None
    wait_past_retry()
    with caplog.at_level(logging.WARNING, logger="lms.cache"):
        assert cache.get("status") is None
    assert redis_cache.client().get(":1:status") is None
    assert cache.get("untouched") == "kept"  # only the missed writes are dropped
    down, back = cache_warnings(caplog)
    assert "unavailable" in down.getMessage()
    assert "answers again" in back.getMessage()
    assert "2 key(s)" in back.getMessage()
    cache.set("status", "revoked", 600)
    assert cache.get("status") == "revoked"


def test_the_cache_works_again_after_a_restart(redis_cache):
    cache.set("a", 1)
    assert cache.get("a") == 1
    redis_cache.stop()
    assert cache.get("a") is None
    assert cache.add("b", 2) is True  # an empty cache takes it
    assert cache.get_or_set("c", lambda: 3) == 3
    assert cache.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError):
        cache.incr("a")
    redis_cache.start()  # empty: no persistence
    wait_past_retry()
    assert cache.get("a") is None
    cache.set("a", 4)
    assert cache.get("a") == 4
    assert cache.incr("a") == 5
    assert redis_cache.client().get(":1:a") == b"5"
