"""The project's own periodic tasks: the worker heartbeat that ``/readyz`` reads
(lms.health)."""

from celery import shared_task

from lms import health


@shared_task(bind=True, ignore_result=True)
def heartbeat(self):
    """Sent by beat every minute; a worker running it proves both are alive."""
    health.heartbeat_record(worker=self.request.hostname or "")
