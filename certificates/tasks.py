"""Celery tasks: thin, idempotent, by id.

The issue, job and e-mail tasks are durable (lms.durable): recorded with their
cause, they mark their record done when their work is done, or found done, and
the sweepers send again what is left pending.
"""

import dataclasses
import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import OperationalError

from certificates import services
from certificates.rendering import RenderError
from certificates.services import jobs as job_services
from certificates.services import sweep
from certificates.services.issuance import (
    certificate_email_deliver,
    certificate_issue_key,
)
from lms import durable

logger = logging.getLogger(__name__)

# SMTP server down, refusing, hanging past EMAIL_TIMEOUT, or answering with an
# error: retried, with back-off from 5 s to 10 min, about 45 minutes in all; then
# the sweeper sends the task again every CELERY_DURABLE_RESEND_AFTER seconds.
EMAIL_ERRORS = (smtplib.SMTPException, OSError)
EMAIL_RETRIES = 10


@shared_task(
    autoretry_for=(RenderError, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def certificate_issue_for_enrolment(enrolment_id):
    """Issue the certificate of a completed enrolment (nothing if already issued,
    or if the template's rule is not met)."""
    from courses.models import Enrolment

    key = certificate_issue_key(enrolment_id)
    enrolment = Enrolment.objects.select_related("user").filter(pk=enrolment_id).first()
    if enrolment is None:
        durable.durable_done(key)
        return None
    try:
        result = services.certificate_issue(
            user=enrolment.user, course_key=enrolment.course_key
        )
    except services.CertificateNotEligible as refusal:
        logger.info("No certificate for enrolment %s: %s", enrolment_id, refusal)
        durable.durable_done(key)
        return None
    durable.durable_done(key)
    return result.certificate.code


@shared_task(bind=True)
def certificate_job_run(self, job_id):
    """One step of a certificate job, then the next step is sent: each task stays
    short. Without a broker the steps run here, one after another."""
    runner = self.request.id
    outcome = job_services.certificate_job_step(job_id=job_id, runner=runner)
    while outcome is job_services.Step.MORE and self.request.is_eager:
        outcome = job_services.certificate_job_step(job_id=job_id, runner=runner)
    if outcome is job_services.Step.MORE:
        durable.durable_send(job_services.certificate_job_key(job_id))
    return outcome.value


@shared_task(bind=True, max_retries=EMAIL_RETRIES)
def certificate_email_send(self, certificate_id, kind="issued"):
    """E-mail the holder about their certificate ("issued" or "expiry"), once.

    Its own task, after the certificate committed: an SMTP server that is down or
    hangs delays the e-mail, never the certificate or the bulk job."""
    try:
        certificate_email_deliver(
            certificate_id=certificate_id, kind=kind, holder=self.request.id
        )
    except EMAIL_ERRORS as error:
        if self.request.is_eager:
            # No broker to wait on: retrying here would hold the request that
            # issued the certificate. The e-mail stays pending.
            logger.warning(
                "Certificate e-mail %s for %s not sent: %r", kind, certificate_id, error
            )
            return False
        countdown = get_exponential_backoff_interval(
            factor=5, retries=self.request.retries, maximum=600, full_jitter=False
        )
        logger.warning(
            "Certificate e-mail %s for %s not sent (%r): retry %d in %d s",
            kind,
            certificate_id,
            error,
            self.request.retries + 1,
            countdown,
        )
        raise self.retry(exc=error, countdown=countdown) from error
    return True


@shared_task
def certificate_jobs_sweep():
    """Resume the certificate jobs that stopped making progress, or fail them."""
    return dataclasses.asdict(sweep.certificate_jobs_sweep())


@shared_task
def certificates_expire():
    return services.certificates_expire()


@shared_task
def certificate_expiry_reminders_send():
    return services.certificate_expiry_reminders_send()


@shared_task(
    autoretry_for=(RenderError, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def certificates_issue_for_holder(user_id, durable_key=None):
    """Issue the certificates that waited for the holder to give their name (none
    when nothing waited); safe to run twice. ``durable_key``: its lms.durable
    record, marked done."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    issued = services.holder_certificates_issue(user=user) if user else []
    if durable_key:
        durable.durable_done(durable_key)
    return [result.certificate.code for result in issued]
