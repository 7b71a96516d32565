"""A worker killed in the middle of a certificate batch.

A real worker runs a bulk-issue job and is killed with SIGKILL half-way: the job
is left running, with the progress it committed. The sweeper leaves it alone
while it could still be making progress, then resumes it; a new worker finishes
it from where it stopped. Every learner holds one certificate, and the job's
counters, counted from the certificates it issued, are right.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateJob
from certificates.services import jobs, sweep
from courses.models import Enrolment
from lms.models import DurableTask
from tests.certificates.conftest import course, template  # noqa: F401
from tests.courses.conftest import framework, site_tree  # noqa: F401
from tests.factories import UserFactory
from tests.faults.worker_process import Worker, celery_client, wait_until

LEARNERS = jobs.STEP + 7  # two steps


def _completed_learners(course, count):  # noqa: F811
    learners = UserFactory.create_batch(count)
    now = timezone.now()
    # Completed before the job, as a bulk issue finds them (bulk_create: no
    # certificate is queued for them on completion, so the job issues them all).
    Enrolment.objects.bulk_create(
        Enrolment(
            user=learner,
            course_key=course.translation_key,
            status=Enrolment.Status.COMPLETED,
            completed_at=now - timedelta(minutes=count - index),
        )
        for index, learner in enumerate(learners)
    )
    return learners


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_worker_is_killed_finishes_once_with_right_counters(
    migrated_data,
    course,  # noqa: F811
    template,  # noqa: F811
    redis_server,
    settings,
    tmp_path,
):
    learners = _completed_learners(course, LEARNERS)
    first = Worker(
        broker_url=redis_server.url,
        media_root=settings.MEDIA_ROOT,
        log_path=tmp_path / "first.log",
    ).start()
    second = Worker(
        broker_url=redis_server.url,
        media_root=settings.MEDIA_ROOT,
        log_path=tmp_path / "second.log",
    )
    try:
        assert first.wait_for("ready."), first.output[-3000:]
        with celery_client(redis_server.url):
            job = services.certificate_job_create(
                kind=CertificateJob.Kind.ISSUE,
                requested_by=None,
                course_key=course.translation_key,
            )
            assert wait_until(
                lambda: CertificateJob.objects.get(pk=job.pk).done >= 3, 180
            ), first.output[-3000:]
            first.kill()

            job.refresh_from_db()
            assert job.status == CertificateJob.Status.RUNNING
            assert 3 <= job.done < LEARNERS
            assert job.total == LEARNERS
            # What it committed is counted from the database.
            assert job.issued == Certificate.objects.filter(job=job).count()
            assert job.issued == job.done and job.skipped == 0

            # Silent for less than STALE_AFTER: it may still be working.
            assert sweep.certificate_jobs_sweep().resumed == 0
            stale = timezone.now() + sweep.STALE_AFTER + timedelta(minutes=1)
            swept = sweep.certificate_jobs_sweep(now=stale)
            assert (swept.resumed, swept.failed) == (1, 0)
            # Run again: resumed already, it counts as progressing.
            swept = sweep.certificate_jobs_sweep(now=stale)
            assert (swept.resumed, swept.failed) == (0, 0)

            second.start()
            assert wait_until(
                lambda: CertificateJob.objects.get(pk=job.pk).finished, 300
            ), second.output[-3000:]
    finally:
        first.kill()
        second.stop()

    job.refresh_from_db()
    assert job.status == CertificateJob.Status.DONE, job.error
    assert (job.total, job.done, job.issued, job.skipped) == (
        LEARNERS,
        LEARNERS,
        LEARNERS,
        0,
    )
    assert job.resumptions == 1
    for learner in learners:
        assert Certificate.objects.filter(user=learner).count() == 1
    assert Certificate.objects.filter(job=job).count() == LEARNERS
    assert DurableTask.objects.get(key=jobs.certificate_job_key(job.pk)).status == (
        DurableTask.Status.DONE
    )
    # Finished: later sweeps leave it be.
    later = timezone.now() + timedelta(hours=2)
    swept = sweep.certificate_jobs_sweep(now=later)
    assert (swept.resumed, swept.failed) == (0, 0)


def test_a_job_stale_too_often_is_failed_with_the_reason(
    course,  # noqa: F811
    template,  # noqa: F811
    settings,
):
    """No worker at all (the tests run tasks in-process): a job left running
    is resumed MAX_RESUMPTIONS times, then failed with the reason."""
    settings.LANGUAGE_CODE = "en"  # the reason is written in the site's language
    _completed_learners(course, 2)
    job = CertificateJob.objects.create(
        kind=CertificateJob.Kind.ISSUE,
        course_key=course.translation_key,
        status=CertificateJob.Status.RUNNING,
        total=2,
        progressed_at=timezone.now() - timedelta(hours=1),
        resumptions=sweep.MAX_RESUMPTIONS,
    )
    swept = sweep.certificate_jobs_sweep()
    assert (swept.resumed, swept.failed) == (0, 1)
    job.refresh_from_db()
    assert job.status == CertificateJob.Status.FAILED
    times = sweep.MAX_RESUMPTIONS + 1
    assert f"The job stopped making progress {times} times" in job.error
    assert job.finished_at is not None
    assert not Certificate.objects.exists()


def test_a_stale_job_resumed_in_process_finishes(
    course,  # noqa: F811
    template,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Resumed without a broker, the job's task runs here and finishes it."""
    learners = _completed_learners(course, 3)
    job = CertificateJob.objects.create(
        kind=CertificateJob.Kind.ISSUE,
        course_key=course.translation_key,
        status=CertificateJob.Status.RUNNING,
        progressed_at=timezone.now() - timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        swept = sweep.certificate_jobs_sweep()
    assert (swept.resumed, swept.failed) == (1, 0)
    job.refresh_from_db()
    assert job.status == CertificateJob.Status.DONE
    assert (job.total, job.done, job.issued, job.skipped) == (3, 3, 3, 0)
    assert {c.user for c in Certificate.objects.filter(job=job)} == set(learners)
