"""A timed quiz or competition starts while the broker is down: the task queued for
its deadline cannot be sent, the learner is not told so (no 500), and the beat
sweep closes it at its deadline instead."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Attempt
from tests.assessments.conftest import (  # noqa: F401
    bank,
    course_with_quiz,
    learner,
)
from tests.courses.conftest import framework, site_tree  # noqa: F401
from tests.faults.worker_process import celery_client


def test_a_timed_quiz_starts_with_the_broker_down_and_closes_by_the_sweep(
    client,
    learner,  # noqa: F811
    course_with_quiz,  # noqa: F811
    redis_server,
    django_capture_on_commit_callbacks,
):
    quiz = course_with_quiz["quiz"]
    quiz.time_limit_minutes = 10
    quiz.save_revision().publish()
    redis_server.stop()
    client.force_login(learner)
    with celery_client(redis_server.url):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 302
    attempt = Attempt.objects.get(user=learner)
    assert attempt.deadline is not None
    assert attempt.status == Attempt.Status.IN_PROGRESS
    # The sweep beat runs every minute closes it once its deadline has passed.
    assert services.attempts_close_overdue(now=timezone.now()) == 0
    later = attempt.deadline + timedelta(seconds=1)
    assert services.attempts_close_overdue(now=later) == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.closed_by_deadline
