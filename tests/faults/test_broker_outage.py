"""The broker down: what the database recorded is sent once it is back.

A learner completes a course while Redis (the broker) is stopped: their request
succeeds, the certificate's task is recorded (lms.durable) and nothing is issued
yet. Once Redis is started again the sweeper sends the task, and it issues the
certificate, once, however many times the sweeper runs or the task is delivered.
The worker itself outlives a Redis restart and goes on taking tasks.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from certificates.services.issuance import certificate_issue_key
from courses import services as course_services
from courses.models import Enrolment
from lms import durable
from lms.models import DurableTask
from tests.certificates.conftest import course, learner, template  # noqa: F401
from tests.courses.conftest import framework, site_tree  # noqa: F401
from tests.faults.worker_process import (
    Worker,
    celery_client,
    queued_messages,
    wait_until,
)

ISSUE_TASK = "certificates.tasks.certificate_issue_for_enrolment"


def later(minutes: float):
    return timezone.now() + timedelta(minutes=minutes)


def _complete_the_course(client, learner, course):  # noqa: F811
    [lesson] = course.get_children().specific()
    course_services.enrolment_create(user=learner, course=course)
    client.force_login(learner)
    return client.post(reverse("courses:lesson_complete", args=[lesson.pk]))


def test_a_course_completed_while_the_broker_is_down_is_certified_once_it_returns(
    client,
    learner,  # noqa: F811
    course,  # noqa: F811
    template,  # noqa: F811
    redis_server,
    django_capture_on_commit_callbacks,
):
    from certificates.tasks import certificate_issue_for_enrolment

    redis_server.stop()
    with celery_client(redis_server.url):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = _complete_the_course(client, learner, course)
        elapsed = time.monotonic() - started

        # The learner's request succeeded, and did not wait long for the broker.
        assert response.status_code == 302
        assert elapsed < 10
        enrolment = Enrolment.objects.get(user=learner)
        assert enrolment.status == Enrolment.Status.COMPLETED
        # Recorded with the completion; its send was refused; nothing issued.
        row = DurableTask.objects.get(key=certificate_issue_key(enrolment.pk))
        assert row.name == ISSUE_TASK and row.args == [enrolment.pk]
        assert row.status == DurableTask.Status.PENDING
        assert row.enqueued_at is None and row.attempts == 0
        assert "Connection refused" in row.last_error
        assert not Certificate.objects.exists()

        # The sweeper while the broker is still down: refused, kept.
        swept = durable.durable_sweep(now=later(2))
        assert (swept.sent, swept.unsent, swept.given_up) == (0, 1, 0)
        row.refresh_from_db()
        assert row.status == DurableTask.Status.PENDING

        redis_server.start()
        swept = durable.durable_sweep(now=later(2))
        assert (swept.sent, swept.unsent, swept.pending) == (1, 0, 1)
        # Run again at once: just sent, not due again.
        assert durable.durable_sweep(now=later(2)).sent == 0

    [message] = queued_messages(redis_server.client())
    assert message["task"] == ISSUE_TASK
    assert message["args"] == [enrolment.pk]
    # A worker takes it (here, this process); a second delivery of the same
    # message issues nothing more.
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            certificate_issue_for_enrolment.apply(
                args=message["args"], task_id=message["id"]
            )
    certificate = Certificate.objects.get()
    assert certificate.user == learner
    row.refresh_from_db()
    assert row.status == DurableTask.Status.DONE
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert certificate.code_display in message.body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_issues_what_the_broker_missed_exactly_once(
    migrated_data,
    client,
    learner,  # noqa: F811
    course,  # noqa: F811
    template,  # noqa: F811
    redis_server,
    settings,
    tmp_path,
):
    redis_server.stop()
    worker = Worker(
        broker_url=redis_server.url,
        media_root=settings.MEDIA_ROOT,
        log_path=tmp_path / "worker.log",
    )
    try:
        with celery_client(redis_server.url):
            response = _complete_the_course(client, learner, course)
            assert response.status_code == 302
            enrolment = Enrolment.objects.get(user=learner)
            row = DurableTask.objects.get(key=certificate_issue_key(enrolment.pk))
            assert row.status == DurableTask.Status.PENDING
            assert row.enqueued_at is None
            assert not Certificate.objects.exists()

            redis_server.start()
            worker.start()
            assert worker.wait_for("ready."), worker.output[-3000:]
            assert durable.durable_sweep(now=later(2)).sent == 1
            assert durable.durable_sweep(now=later(2)).sent == 0
            # The certificate, then its e-mail (a task of its own).
            assert wait_until(
                lambda: (
                    DurableTask.objects.filter(status="done").count() == 2
                    and not DurableTask.objects.exclude(status="done").exists()
                )
            ), worker.output[-3000:]
            # Nothing left for the sweeper, however late it runs...
            assert durable.durable_sweep(now=later(30)).sent == 0
            # ...and the tasks delivered again (as a resend after a slow
            # delivery would) issue and e-mail nothing more.
            from certificates.tasks import (
                certificate_email_send,
                certificate_issue_for_enrolment,
            )

            certificate = Certificate.objects.get()
            certificate_issue_for_enrolment.delay(enrolment.pk)
            certificate_email_send.delay(certificate.pk, "issued")
            assert wait_until(lambda: worker.output.count("succeeded in") >= 4)
    finally:
        worker.stop()
    output = worker.output
    assert Certificate.objects.filter(user=learner).count() == 1, output[-3000:]
    assert output.count(f"{ISSUE_TASK}[") >= 2
    assert "certificates.tasks.certificate_email_send" in output
    # The console e-mail backend prints the holder's e-mail: once.
    assert output.count("\nSubject: ") == 1, output[-3000:]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_reconnects_by_itself_when_redis_comes_back(
    migrated_data,
    learner,  # noqa: F811
    course,  # noqa: F811
    template,  # noqa: F811
    redis_server,
    settings,
    tmp_path,
):
    from tests.certificates.conftest import complete

    worker = Worker(
        broker_url=redis_server.url,
        media_root=settings.MEDIA_ROOT,
        log_path=tmp_path / "worker.log",
    ).start()
    try:
        assert worker.wait_for("ready."), worker.output[-3000:]
        redis_server.stop()
        assert worker.wait_for("Connection to broker lost", 30), worker.output[-3000:]
        time.sleep(3)
        assert worker.alive(), worker.output[-3000:]
        redis_server.start()
        with celery_client(redis_server.url):
            complete(learner, course)
            enrolment = Enrolment.objects.get(user=learner)
            from certificates.tasks import certificate_issue_for_enrolment

            durable.durable_enqueue(
                certificate_issue_for_enrolment,
                key=certificate_issue_key(enrolment.pk),
                args=[enrolment.pk],
            )
            assert wait_until(
                lambda: Certificate.objects.filter(user=learner).exists(), 90
            ), worker.output[-3000:]
        assert worker.alive()
    finally:
        worker.stop()
    assert "AttributeError" not in worker.output, worker.output[-3000:]
