from celery import shared_task

from assessments import services


@shared_task
def attempt_close_if_overdue(attempt_id):
    services.attempt_close_if_overdue(attempt_id=attempt_id)


@shared_task
def attempts_close_overdue():
    return services.attempts_close_overdue()
