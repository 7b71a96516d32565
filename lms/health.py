"""Health endpoints: ``/healthz`` says the process answers, ``/readyz`` says
whether each service Sala depends on does.

``/healthz`` touches nothing (no database, no cache): it is what systemd, a load
balancer or a container runtime asks before sending requests or restarting the
process. ``/readyz`` is for monitoring: it runs every check below and answers 200
when all pass, 503 naming the ones that fail. A load balancer should not use it:
a dead worker or broker would then take every web process out of service although
pages still serve.

Each check answers ``{"status": "ok" | "down" | "skipped", ...}``. A failure
names the exception's class only (the page is public; the full error goes to the
log). The checks:

- ``database``: ``SELECT 1`` on the default database;
- ``cache``: a value written and read back (a fail-soft cache that misses while
  Redis is down counts as down);
- ``broker``: a connection to ``CELERY_BROKER_URL`` within 2 s; skipped when tasks
  run eagerly (no broker: the embedded default);
- ``worker``: the heartbeat that ``lms.tasks.heartbeat`` (sent by beat every
  minute, run by a worker) leaves in the cache is at most
  ``SALA_HEARTBEAT_MAX_AGE`` seconds old: beat and at least one worker are alive;
  skipped without a broker;
- ``backlog``: durable tasks (``lms.DurableTask``) pending and failed; down when
  one not being run has waited longer than ``SALA_BACKLOG_MAX_AGE`` seconds.
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "sala:worker-heartbeat"
BROKER_TIMEOUT_SECONDS = 2


def heartbeat_record(*, worker: str) -> None:
    """Note that ``worker`` ran a task now (called by ``lms.tasks.heartbeat``)."""
    cache.set(
        HEARTBEAT_CACHE_KEY,
        {"at": timezone.now().isoformat(), "worker": worker},
        timeout=24 * 3600,
    )


def _ok(**details):
    return {"status": "ok", **details}


def _skipped(reason):
    return {"status": "skipped", "reason": reason}


def _down(**details):
    return {"status": "down", **details}


def _tasks_are_eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return _ok()


def check_cache():
    key = f"sala:readyz:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    read = cache.get(key)
    cache.delete(key)
    if read != token:
        return _down(error="value not read back")
    return _ok()


def check_broker():
    if _tasks_are_eager():
        return _skipped("tasks run eagerly, without a broker")
    import kombu

    # Short socket timeouts as well: a broker that accepts connections but never
    # answers must not hold the check (and a gunicorn worker) for long.
    timeouts = {
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
    }
    with kombu.Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=timeouts,
    ) as broker:
        broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    return _ok()


def check_worker():
    if _tasks_are_eager():
        return _skipped("tasks run eagerly, in the web process")
    beat = cache.get(HEARTBEAT_CACHE_KEY)
    if not beat:
        return _down(error="no heartbeat")
    at = datetime.fromisoformat(beat["at"])
    age = (timezone.now() - at).total_seconds()
    details = {"last_heartbeat": beat["at"], "worker": beat.get("worker", "")}
    if age > settings.SALA_HEARTBEAT_MAX_AGE:
        return _down(error="heartbeat too old", **details)
    return _ok(**details)


def check_backlog():
    from django.apps import apps

    try:
        task_model = apps.get_model("lms", "DurableTask")
    except LookupError:
        return _skipped("no durable task table")
    now = timezone.now()
    pending = task_model.objects.filter(status="pending")
    details = {
        "pending": pending.count(),
        # Given up after too many sends: work someone must look at (the admin
        # lists them), though it no longer makes the backlog grow.
        "failed": task_model.objects.filter(status="failed").count(),
    }
    # A task a worker holds right now is running, not waiting, however old.
    late = (
        pending.filter(
            created_at__lt=now - timedelta(seconds=settings.SALA_BACKLOG_MAX_AGE)
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .count()
    )
    if late:
        return _down(error="tasks pending too long", late=late, **details)
    return _ok(**details)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
    "backlog": check_backlog,
}


def readiness() -> dict:
    """Every check's result, by name, with how long it took."""
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = check()
        except Exception as error:
            logger.warning("Readiness check %s failed", name, exc_info=True)
            result = _down(error=type(error).__name__)
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    return results


@never_cache
@require_safe
def healthz(request):
    """The process is up and answering; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when every service answers, 503 naming the ones that do not."""
    checks = readiness()
    down = sorted(name for name, result in checks.items() if result["status"] == "down")
    response = JsonResponse(
        {"status": "down" if down else "ok", "down": down, "checks": checks},
        status=503 if down else 200,
    )
    if down:
        logger.warning("Not ready: %s down", ", ".join(down), extra={"down": down})
        # This line says it all; Django's own "Service Unavailable" ERROR line
        # (which error reporting would raise as an incident per probe) is not
        # written for a response already logged.
        response._has_been_logged = True
    return response
