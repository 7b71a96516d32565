"""The project's own periodic tasks: the durable-task sweeper (lms.durable) and
the worker heartbeat that ``/readyz`` reads (lms.health)."""

from celery import shared_task

from lms import durable, health


@shared_task
def durable_tasks_sweep():
    """Send again the durable tasks pending too long; the counts go to the log."""
    durable.durable_sweep()


@shared_task(bind=True, ignore_result=True)
def heartbeat(self):
    """Sent by beat every minute; a worker running it proves both are alive."""
    health.heartbeat_record(worker=self.request.hostname or "")
