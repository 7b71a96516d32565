"""Queue certificates when a course completes or a competition's results are
published (courses and competitions know nothing of us)."""

from django.db import transaction
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
