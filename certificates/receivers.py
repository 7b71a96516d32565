"""Queue certificates when a course completes or a competition's results are
published (courses and competitions know nothing of us)."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from competitions.signals import results_published
from courses.signals import course_completed


@receiver(course_completed, dispatch_uid="certificates.course_completed")
def course_completed_issue(sender, enrolment, user, course_key, **kwargs):
    from certificates.tasks import certificate_issue_for_enrolment

    # The signal is sent after the completing transaction commits; on_commit runs
    # the callback at once then, and still waits if an outer transaction is open.
    # Robust: without a broker the task runs here, in the learner's request, and a
    # failed certificate must not turn their completed lesson into an error page
    # (the failure is logged; staff can issue again from the admin).
    transaction.on_commit(
        lambda: certificate_issue_for_enrolment.delay(enrolment.pk), robust=True
    )


@receiver(results_published, dispatch_uid="certificates.results_published")
def results_published_issue(sender, contest, **kwargs):
    from certificates import selectors, services
    from certificates.models import CertificateJob

    if not any(selectors.contest_templates(contest).values()):
        return
    # As above: a failure is logged, never turned into an error on the organiser's
    # publication; the results page offers to issue again.
    transaction.on_commit(
        lambda: services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE, requested_by=None, contest=contest
        ),
        robust=True,
    )


HOLDER_NAME_FIELDS = {"full_name_km", "full_name_latin"}


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="certificates.holder_named"
)
def holder_named_issue(sender, instance, created, update_fields, **kwargs):
    # A certificate waits while its holder has no name in both scripts
    # (services/holders.py); once the names are saved, from the profile page or
    # the admin, what waited is issued after the commit. Robust, as above: the
    # profile is saved whatever happens to the certificates.
    if created or (
        update_fields is not None and not HOLDER_NAME_FIELDS & set(update_fields)
    ):
        return
    from accounts.selectors import user_has_holder_names
    from certificates.services.holders import holder_has_waiting
    from certificates.tasks import certificates_issue_for_holder

    if user_has_holder_names(instance) and holder_has_waiting(instance):
        transaction.on_commit(
            lambda: certificates_issue_for_holder.delay(instance.pk), robust=True
        )
