"""A trainer's export (and every other follow-up of a trainer's action: import
check and apply, invitations, enrolment syncs) asked for while the broker is
down: the page answers, the task is recorded (lms.durable), and the sweeper
sends it once the broker is back; the job then finishes once."""

from datetime import timedelta

from django.utils import timezone

from cohorts.models import ExportJob, JobStatus
from lms import durable
from lms.models import DurableTask
from tests.cohorts.conftest import (  # noqa: F401
    cohort,
    courses,
    mptc,
    trainer,
)
from tests.cohorts.test_exports import en, export_cohort  # noqa: F401
from tests.courses.conftest import framework, site_tree  # noqa: F401
from tests.faults.worker_process import celery_client, queued_messages


def test_an_export_asked_for_while_the_broker_is_down_is_sent_when_it_returns(
    client,
    settings,
    trainer,  # noqa: F811
    export_cohort,  # noqa: F811
    redis_server,
    django_capture_on_commit_callbacks,
):
    settings.COHORTS_EXPORT_SYNC_LIMIT = 2
    client.force_login(trainer)
    redis_server.stop()
    with celery_client(redis_server.url):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(
                en("cohorts:export", export_cohort.pk, "progress", "csv")
            )
        job = ExportJob.objects.get()
        assert response["Location"] == en("cohorts:export_job", job.pk)
        assert job.status != JobStatus.DONE
        row = DurableTask.objects.get(name="cohorts.tasks.export_job_run")
        assert row.status == DurableTask.Status.PENDING and row.args[0] == job.pk
        assert row.last_error

        redis_server.start()
        swept = durable.durable_sweep(now=timezone.now() + timedelta(minutes=5))
        assert swept.sent == 1
        [message] = [
            m
            for m in queued_messages(redis_server.client())
            if m["task"] == "cohorts.tasks.export_job_run"
        ]
    # The worker's part, run here: the job is built and its record done.
    from cohorts.tasks import export_job_run

    export_job_run(*message["args"])
    job.refresh_from_db()
    row.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert row.status == DurableTask.Status.DONE
