"""Celery tasks: thin, idempotent, by id."""

import logging

from celery import shared_task
from django.db import OperationalError

from certificates import services
from certificates.rendering import RenderError

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(RenderError, OperationalError),
    retry_backoff=True,
    max_retries=5,
)
def certificate_issue_for_enrolment(enrolment_id):
    """Issue the certificate of a completed enrolment (nothing if already issued,
    or if the template's rule is not met)."""
    from courses.models import Enrolment

    enrolment = Enrolment.objects.select_related("user").filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    try:
        result = services.certificate_issue(
            user=enrolment.user, course_key=enrolment.course_key
        )
    except services.CertificateNotEligible as refusal:
        logger.info("No certificate for enrolment %s: %s", enrolment_id, refusal)
        return None
    return result.certificate.code


@shared_task
def certificate_job_run(job_id):
    services.certificate_job_run(job_id=job_id)


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
def certificates_issue_for_holder(user_id):
    """Issue the certificates that waited for the holder to give their name (none
    when nothing waited); safe to run twice."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return []
    issued = services.holder_certificates_issue(user=user)
    return [result.certificate.code for result in issued]
