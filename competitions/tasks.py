from celery import shared_task

from competitions import services


@shared_task
def sitting_close_if_overdue(sitting_id):
    services.sitting_close_if_overdue(sitting_id=sitting_id)


@shared_task
def sittings_close_overdue():
    return services.sittings_close_overdue()


@shared_task
def contests_results_publish_due():
    return services.contests_results_publish_due()
