"""Issue certificates when a course completes or a competition's results are
published (courses and competitions know nothing of us).

What must happen is recorded in the transaction of its cause, so that a broker
that is down, or a process that dies right after the commit, loses nothing
(lms.durable). ``course_completed`` and ``results_published`` are sent after that
transaction commits, too late for it; Django's ``post_save`` of the row that
records the cause (the enrolment marked completed, the publication's audit event)
runs inside it, so the record is written there: the issue of the learner's
certificate, sent when courses announces the completion; the competition's
certificate job, sent as the publication commits.
"""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from competitions.models import AuditEvent
from courses.models import Enrolment
from courses.signals import course_completed
from lms import durable

logger = logging.getLogger(__name__)


def _enrolment_issue_record(enrolment_id, *, send: bool):
    from certificates.services.issuance import certificate_issue_key
    from certificates.tasks import certificate_issue_for_enrolment

    return durable.durable_enqueue(
        certificate_issue_for_enrolment,
        key=certificate_issue_key(enrolment_id),
        args=[enrolment_id],
        send=send,
    )


@receiver(post_save, sender=Enrolment, dispatch_uid="certificates.enrolment_saved")
def enrolment_completed_record(sender, instance, created, update_fields, **kwargs):
    # Only a save that sets the status (courses saves exactly status and
    # completed_at when it completes an enrolment); one row per enrolment, so
    # saving it again records nothing new.
    if instance.status != Enrolment.Status.COMPLETED:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    _enrolment_issue_record(instance.pk, send=False)


@receiver(course_completed, dispatch_uid="certificates.course_completed")
def course_completed_issue(sender, enrolment, user, course_key, **kwargs):
    # The signal is sent after the completing transaction commits; on_commit runs
    # the callback at once then, and still waits if an outer transaction is open.
    # Robust: without a broker the task runs here, in the learner's request, and a
    # failed certificate must not turn their completed lesson into an error page
    # (the failure is logged; the row stays pending for the sweeper, and staff can
    # issue again from the admin). A broker that is down is logged the same way.
    transaction.on_commit(lambda: _enrolment_issue_send(enrolment.pk), robust=True)


def _enrolment_issue_send(enrolment_id):
    # Recorded already, unless the enrolment was completed without its post_save
    # (a queryset update): recorded now, then.
    row = _enrolment_issue_record(enrolment_id, send=False)
    durable.durable_send(row.key)


@receiver(post_save, sender=AuditEvent, dispatch_uid="certificates.results_published")
def results_published_issue(sender, instance, created, **kwargs):
    if not created or instance.kind != AuditEvent.Kind.RESULTS_PUBLISHED:
        return
    from certificates import selectors, services
    from certificates.models import CertificateJob

    contest = instance.contest
    # Published again (a new time): the certificates were asked for already.
    if (
        AuditEvent.objects.filter(
            contest=contest, kind=AuditEvent.Kind.RESULTS_PUBLISHED
        )
        .exclude(pk=instance.pk)
        .exists()
    ):
        return
    if not any(selectors.contest_templates(contest).values()):
        return
    # The job and its task commit with the publication and are sent after it. A
    # refusal is logged, never turned into an error on the organiser's
    # publication; the results page offers to issue again.
    try:
        services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE, requested_by=None, contest=contest
        )
    except services.CertificateError as refusal:
        logger.warning(
            "No certificates for the results of contest %s: %s", contest.pk, refusal
        )


HOLDER_NAME_FIELDS = {"full_name_km", "full_name_latin"}


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="certificates.holder_named"
)
def holder_named_issue(sender, instance, created, update_fields, **kwargs):
    # A certificate waits while its holder has no name in both scripts
    # (services/holders.py); once the names are saved, from the profile page or
    # the admin, what waited is issued after the commit: the profile is saved
    # whatever happens to the certificates.
    if created or (
        update_fields is not None and not HOLDER_NAME_FIELDS & set(update_fields)
    ):
        return
    from accounts.selectors import user_has_holder_names
    from certificates.services.holders import holder_has_waiting
    from certificates.tasks import certificates_issue_for_holder

    if user_has_holder_names(instance) and holder_has_waiting(instance):
        # Durable (lms.durable), like the other issue tasks: recorded with the
        # names, swept if the broker missed it.
        from lms.durable import durable_enqueue

        key = f"certificates.holder_named:{instance.pk}:{uuid.uuid4().hex[:12]}"
        durable_enqueue(certificates_issue_for_holder, key=key, args=(instance.pk, key))
