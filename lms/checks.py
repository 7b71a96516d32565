"""Deployment checks of Sala's own (run by `manage.py check --deploy`).

Production runs several gunicorn processes and Celery workers. What they must
agree on cannot live in one process's memory: the rate limits (allauth's login
limits, the certificate verification budget), the cached credential status lists
that a revocation clears, Wagtail's cached site paths. A local-memory cache would
give each process its own copy: N processes, N times the limit, and a revoked
certificate still shown valid by the processes that did not see the revocation.
"""

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "local memory",
    "django.core.cache.backends.dummy.DummyCache": "a dummy cache",
}


@checks.register(checks.Tags.caches, deploy=True)
def cache_shared_between_processes(app_configs=None, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    kind = PER_PROCESS_CACHES.get(backend)
    if kind is None:
        return []
    return [
        checks.Error(
            f"The default cache is {kind}, which each process keeps to itself.",
            hint=(
                "Set CACHE_URL to a Redis shared by every gunicorn process and "
                "Celery worker (e.g. redis://127.0.0.1:6379/1): rate limits and "
                "caches must be shared between processes, or N processes allow N "
                "times each limit, and those that did not see a revocation keep "
                "the certificate's old status for up to a minute."
            ),
            id="sala.E001",
        )
    ]
