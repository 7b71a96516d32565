"""The stale-job sweeper: certificate jobs that stopped making progress.

A job's step records its progress with every certificate. A running job silent
for STALE_AFTER has lost its worker (killed, out of memory, the machine
restarted) or its message (the broker lost it): the sweeper resumes it, by letting
go of the dead step's claim and sending the job's task again, so the next step
starts where the last certificate done left off. A job resumed MAX_RESUMPTIONS
times without finishing is failed, with the reason shown on its page. A job that
never started waits for the broker however long it is down (lms.durable sends
it); one whose task was given up (sent again and again, taken by no worker) is
failed.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext, override

from certificates.models import CertificateJob
from certificates.services.jobs import _job_task_record, certificate_job_key
from lms import durable
from lms.models import DurableTask

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
MAX_RESUMPTIONS = 3


@dataclass(frozen=True)
class JobSweepResult:
    resumed: int
    failed: int
    unsent: int


def _fail(job_id: int, reason: str, *, now) -> bool:
    with transaction.atomic():
        job = (
            CertificateJob.objects.select_for_update()
            .filter(pk=job_id)
            .exclude(
                status__in=[CertificateJob.Status.DONE, CertificateJob.Status.FAILED]
            )
            .first()
        )
        if job is None:
            return False
        job.status = CertificateJob.Status.FAILED
        job.error = reason
        job.finished_at = now
        job.save(update_fields=["status", "error", "finished_at"])
        durable.durable_fail(certificate_job_key(job_id), reason)
    logger.error("Certificate job %s failed: %s", job_id, reason)
    return True


def _stale_reason(job: CertificateJob) -> str:
    # Shown on the job's page to staff, in the site's default language (the
    # sweeper has no request to take one from).
    with override(settings.LANGUAGE_CODE):
        return gettext(
            "The job stopped making progress %(times)d times (the last progress "
            "was at %(at)s) and was given up. Start it again: certificates "
            "already issued are not issued twice."
        ) % {
            "times": job.resumptions + 1,
            "at": formats.date_format(
                timezone.localtime(job.progressed_at or job.created_at),
                "DATETIME_FORMAT",
            ),
        }


def certificate_jobs_sweep(*, now=None) -> JobSweepResult:
    """Resume or fail the stale jobs; log the counts. Safe to run twice: a job
    resumed counts as making progress again for STALE_AFTER."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    resumed = failed = unsent = 0
    stale = CertificateJob.objects.filter(status=CertificateJob.Status.RUNNING).filter(
        Q(progressed_at__lt=cutoff)
        | Q(progressed_at__isnull=True, created_at__lt=cutoff)
    )
    for job in list(stale.order_by("pk")):
        key = certificate_job_key(job.pk)
        if job.resumptions >= MAX_RESUMPTIONS:
            failed += _fail(job.pk, _stale_reason(job), now=now)
            continue
        with transaction.atomic():
            locked = CertificateJob.objects.select_for_update().filter(pk=job.pk)
            if not locked.filter(
                Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True),
                status=CertificateJob.Status.RUNNING,
            ).exists():
                continue  # it moved meanwhile
            _job_task_record(job.pk, send=False)
            durable.durable_reopen(key)
            # No progress for STALE_AFTER: whoever holds it is gone.
            durable.durable_release(key, holder=None)
        sent = durable.durable_send(key)
        if sent is False:
            unsent += 1
            break  # the broker is down: the job is not to blame, try next time
        CertificateJob.objects.filter(pk=job.pk).update(
            resumptions=F("resumptions") + 1, progressed_at=now
        )
        logger.warning("Certificate job %s resumed after no progress", job.pk)
        resumed += 1
    # Never started, and its task given up by lms.durable: no worker takes it.
    given_up = [
        int(key.rsplit(":", 1)[1])
        for key in DurableTask.objects.filter(
            status=DurableTask.Status.FAILED, key__startswith="certificates.job:"
        ).values_list("key", flat=True)
    ]
    for job_id in CertificateJob.objects.filter(
        status=CertificateJob.Status.PENDING, created_at__lt=cutoff, pk__in=given_up
    ).values_list("pk", flat=True):
        with override(settings.LANGUAGE_CODE):
            reason = gettext(
                "No worker took the job. Check that the Celery worker runs, then "
                "start the job again."
            )
        failed += _fail(job_id, reason, now=now)
    result = JobSweepResult(resumed=resumed, failed=failed, unsent=unsent)
    logger.info(
        "Certificate jobs swept: %d resumed, %d failed, %d not sent (broker "
        "unreachable)",
        result.resumed,
        result.failed,
        result.unsent,
    )
    return result
