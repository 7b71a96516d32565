"""/healthz and /readyz, each check up and down against real services: a
redis-server the test starts, stops and freezes, a real Celery worker, and a
production process whose database, cache and broker are not there."""

import json
import subprocess
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from lms import tasks
from lms.celery import app as celery_app
from tests.faults.conftest import fail_soft_caches, redis_server  # noqa: F401
from tests.processes import (
    BASE_DIR,
    dead_port,
    production_env,
    run_python,
    unit_command,
)

pytestmark = pytest.mark.django_db

BROKER_SETTINGS = {"CELERY_TASK_ALWAYS_EAGER": False}


@pytest.fixture
def redis(redis_server):  # noqa: F811
    """A redis-server of the test's own, on a spare loopback port."""
    return redis_server


def readyz(client):
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    # A session cookie and a Khmer browser: still no query, no language redirect.
    client.cookies["sessionid"] = "abc"
    with django_assert_num_queries(0):
        response = client.get("/healthz", headers={"Accept-Language": "km"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_readyz_on_the_embedded_default(client):
    """SQLite, local-memory cache and eager tasks: no broker nor worker to ask."""
    status, body = readyz(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["down"] == []
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "ok"
    assert checks["broker"]["status"] == "skipped"
    assert checks["worker"]["status"] == "skipped"
    assert checks["backlog"]["status"] == "ok"
    assert (checks["backlog"]["pending"], checks["backlog"]["failed"]) == (0, 0)
    assert "no-store" in client.get("/readyz")["Cache-Control"]


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.redis.RedisCache", "lms.cache.FailSoftRedisCache"],
)
def test_cache_up_then_down(client, redis, backend):
    caches = fail_soft_caches(redis.url)
    caches["default"]["BACKEND"] = backend
    if backend.startswith("django."):
        caches["default"]["OPTIONS"] = {}
    with override_settings(CACHES=caches):
        status, body = readyz(client)
        assert status == 200 and body["checks"]["cache"]["status"] == "ok"
        redis.stop()
        status, body = readyz(client)
    assert status == 503
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"]["status"] == "down"


def test_broker_up_down_and_hanging(client, redis):
    with override_settings(CELERY_BROKER_URL=redis.url, **BROKER_SETTINGS):
        assert readyz(client)[1]["checks"]["broker"]["status"] == "ok"
        with redis.frozen():
            started = time.monotonic()
            status, body = readyz(client)
            took = time.monotonic() - started
        assert status == 503 and "broker" in body["down"]
        # The 2 s timeout holds against a broker that accepts and never answers.
        assert took < 6, took
    dead = f"redis://127.0.0.1:{dead_port()}/0"
    with override_settings(CELERY_BROKER_URL=dead, **BROKER_SETTINGS):
        status, body = readyz(client)
    assert status == 503
    assert body["checks"]["broker"] == {
        "status": "down",
        "error": "OperationalError",
        "ms": body["checks"]["broker"]["ms"],
    }


def test_worker_heartbeat_missing_fresh_and_stale(client, redis):
    with override_settings(CELERY_BROKER_URL=redis.url, **BROKER_SETTINGS):
        status, body = readyz(client)
        assert status == 503 and body["down"] == ["worker"]
        assert body["checks"]["worker"]["error"] == "no heartbeat"
        # The task itself, as a worker runs it (apply: in this process).
        tasks.heartbeat.apply()
        status, body = readyz(client)
        assert status == 200, body
        assert body["checks"]["worker"]["status"] == "ok"
        with override_settings(SALA_HEARTBEAT_MAX_AGE=0):
            time.sleep(0.01)
            status, body = readyz(client)
        assert status == 503
        assert body["checks"]["worker"]["error"] == "heartbeat too old"


def test_beat_sends_the_heartbeat_every_minute():
    from django.conf import settings

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "lms.tasks.heartbeat"
    ]
    assert entry["schedule"] <= 60
    # A heartbeat or two may be lost without the worker counting as down.
    assert entry["schedule"] < settings.SALA_HEARTBEAT_MAX_AGE
    assert tasks.heartbeat.name == "lms.tasks.heartbeat"


def test_backlog_counts_pending_and_late_tasks(client):
    from lms.models import DurableTask

    DurableTask.objects.create(name="x.y", key="fresh")
    assert readyz(client)[1]["checks"]["backlog"]["pending"] == 1
    old = timezone.now() - timedelta(hours=1)
    DurableTask.objects.create(
        name="x.y",
        key="running",
        created_at=old,
        claimed_by="task-1",
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    DurableTask.objects.create(
        name="x.y", key="given-up", created_at=old, status="failed"
    )
    status, body = readyz(client)
    assert status == 200, body
    assert body["checks"]["backlog"]["pending"] == 2
    assert body["checks"]["backlog"]["failed"] == 1
    DurableTask.objects.create(name="x.y", key="stuck", created_at=old)
    status, body = readyz(client)
    assert status == 503 and body["down"] == ["backlog"]
    assert body["checks"]["backlog"]["late"] == 1


@pytest.fixture
def worker(redis, tmp_path):
    """A real Celery worker, started as its systemd unit starts it, with
    production settings, on the test's Redis as broker and cache."""
    env = production_env(
        tmp_path,
        CELERY_BROKER_URL=redis.url,
        CACHE_URL=redis.url.replace("/0", "/1"),
    )
    # The worker unit's own command line (deploy/systemd), one process.
    command = unit_command(
        "sala-worker.service", **{"--concurrency 2": "--concurrency 1"}
    )
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_real_worker_leaves_the_heartbeat(client, redis, worker):
    cache_url = redis.url.replace("/0", "/1")
    with override_settings(
        CELERY_BROKER_URL=redis.url,
        CACHES=fail_soft_caches(cache_url),
        **BROKER_SETTINGS,
    ):
        assert readyz(client)[1]["checks"]["worker"]["error"] == "no heartbeat"
        deadline = time.monotonic() + 60
        with celery_app.connection(redis.url) as broker:
            while True:
                # As beat sends it: by name, through the broker; again until the
                # worker, still starting, has bound its queue and run one.
                celery_app.send_task("lms.tasks.heartbeat", connection=broker)
                time.sleep(1)
                status, body = readyz(client)
                if body["checks"]["worker"]["status"] == "ok":
                    break
                assert worker.poll() is None, worker.stderr.read().decode()
                assert time.monotonic() < deadline, body
    assert status == 200, body
    assert body["checks"]["worker"]["worker"].startswith("worker@")
    # The worker logs as the web processes do: one JSON object per line.
    worker.terminate()
    _, stderr = worker.communicate(timeout=60)
    logged = [
        json.loads(line) for line in stderr.decode().splitlines() if line[:1] == "{"
    ]
    assert any(
        line["logger"] == "celery.app.trace"
        and "lms.tasks.heartbeat" in line["message"]
        for line in logged
    ), stderr.decode()[-3000:]


_READYZ = (
    "import django, json; django.setup(); "
    "from django.test import Client; c = Client(); "
    "h = c.get('/healthz', HTTP_HOST='sala.example.org'); "
    "r = c.get('/readyz', HTTP_HOST='sala.example.org'); "
    "print(json.dumps([h.status_code, h.json(), r.status_code, r.json()]))"
)


def test_production_with_every_service_down_names_them(tmp_path):
    """PostgreSQL, Redis and the broker all unreachable: /healthz still answers
    (over plain HTTP: no redirect to https), /readyz names each one."""
    env = production_env(
        tmp_path,
        DATABASE_URL=f"postgres://sala@127.0.0.1:{dead_port()}/sala",
        CACHE_URL=f"redis://127.0.0.1:{dead_port()}/1",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{dead_port()}/0",
    )
    result = run_python(_READYZ, env)
    assert result.returncode == 0, result.stderr
    healthz_status, healthz, status, body = json.loads(result.stdout.splitlines()[-1])
    assert (healthz_status, healthz) == (200, {"status": "ok"})
    assert status == 503
    assert body["down"] == ["backlog", "broker", "cache", "database", "worker"]
    assert body["checks"]["database"]["error"] == "OperationalError"
    # The reason is logged, as JSON, with the error itself.
    logged = [
        json.loads(line) for line in result.stderr.splitlines() if line[:1] == "{"
    ]
    assert any(
        line["message"] == "Readiness check database failed"
        and "OperationalError" in line["exc_info"]
        for line in logged
    )
