"""Queue a certificate when a course completes (courses knows nothing of us)."""

from django.db import transaction
from django.dispatch import receiver

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
