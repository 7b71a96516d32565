"""The project's own periodic tasks: the durable-task sweeper (lms.durable)."""

from celery import shared_task

from lms import durable


@shared_task
def durable_tasks_sweep():
    """Send again the durable tasks pending too long; the counts go to the log."""
    durable.durable_sweep()
