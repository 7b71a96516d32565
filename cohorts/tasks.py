"""Celery tasks: each takes ids, calls one service and can run twice safely.

The follow-ups of a trainer's action (checking and applying an import, its
invitations, enrolment syncs, exports) are durable (lms.durable, queued by
``cohorts.services.follow_up``): recorded with the action, swept if the broker
missed them, and marked done here by their ``durable_key``.
"""

from celery import shared_task

from cohorts import services
from lms import durable


def _done(durable_key):
    if durable_key:
        durable.durable_done(durable_key)


@shared_task
def import_validate(job_id, durable_key=None):
    services.import_validate(job_id=job_id)
    _done(durable_key)


@shared_task
def import_apply(job_id, durable_key=None):
    services.import_apply(job_id=job_id)
    _done(durable_key)


@shared_task
def invitations_send(job_id, durable_key=None):
    result = services.invitations_send(job_id=job_id)
    _done(durable_key)
    return result


@shared_task
def cohort_enrolments_sync(cohort_id, durable_key=None):
    result = services.cohort_enrolments_sync(cohort_id=cohort_id)
    _done(durable_key)
    return result


@shared_task
def export_job_run(job_id, durable_key=None):
    services.export_job_run(job_id=job_id)
    _done(durable_key)


@shared_task
def reminders_send():
    return services.reminders_send()


@shared_task
def trainer_digests_send():
    return services.trainer_digests_send()
