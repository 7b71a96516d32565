"""A real Celery worker in a subprocess, on the test database and a redis-server
the test started (as tests/certificates/test_worker.py runs one), and the test
process's Celery client pointed at that broker."""

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the test database itself (pytest-django's test_<name>)."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"])
    return (
        f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )


def _reset_pools(app):
    # The client keeps connections per broker URL, in kombu's registry of pools:
    # close and forget them all, so the next send connects to the broker now
    # configured (a pool closed but still registered would refuse to give one).
    from kombu import pools

    with contextlib.suppress(Exception):
        pools.reset()
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def celery_client(broker_url: str):
    """Send tasks to ``broker_url`` (the test settings run them in-process)."""
    from lms.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    # Celery reads CELERY_BROKER_URL from the environment before its settings
    # (CI sets it for the whole suite): point both at ``broker_url``.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_pools(app)


def queued_messages(redis_client, queue: str = "celery") -> list[dict]:
    """The task messages waiting in a Redis queue, oldest first, unconsumed:
    {"task", "id", "args"}."""
    messages = []
    for raw in reversed(redis_client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append(
            {
                "task": message["headers"]["task"],
                "id": message["headers"]["id"],
                "args": args,
            }
        )
    return messages


class Worker:
    """``celery -A lms worker --pool=solo`` with its output in a file."""

    def __init__(self, *, broker_url: str, media_root, log_path, **env):
        self.log_path = Path(log_path)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(media_root),
            "CERTIFICATES_SITE_URL": "http://sala.test",
            "EMAIL_URL": "consolemail://",
            **{name: str(value) for name, value in env.items()},
        }
        self.process = None

    def start(self):
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def output(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_for(self, text: str, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL, as the out-of-memory killer would: no shutdown, no acks."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()


def wait_until(condition, timeout: float = 90, interval: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
