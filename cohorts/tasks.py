"""Celery tasks: each takes ids, calls one service and can run twice safely."""

from celery import shared_task

from cohorts import services


@shared_task
def import_validate(job_id):
    services.import_validate(job_id=job_id)


@shared_task
def import_apply(job_id):
    services.import_apply(job_id=job_id)


@shared_task
def invitations_send(job_id):
    return services.invitations_send(job_id=job_id)


@shared_task
def cohort_enrolments_sync(cohort_id):
    return services.cohort_enrolments_sync(cohort_id=cohort_id)


@shared_task
def export_job_run(job_id):
    services.export_job_run(job_id=job_id)


@shared_task
def reminders_send():
    return services.reminders_send()


@shared_task
def trainer_digests_send():
    return services.trainer_digests_send()
