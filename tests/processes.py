"""Helpers for tests that run Sala as production runs it: in another process,
with production settings, against services started by the test."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Settings this machine's environment may carry (CI exports a database and a
# broker): none of them reaches a production process started by a test.
_SETTINGS_PREFIXES = (
    "DJANGO_",
    "DATABASE_",
    "CELERY_",
    "EMAIL_",
    "CACHE_",
    "CERTIFICATES_",
    "LOG_",
    "SENTRY_",
    "SALA_",
)


def production_env(tmp_path, **overrides) -> dict:
    """The environment production needs, secrets made up for the test, on an
    SQLite database in ``tmp_path``; an override of None removes a variable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SETTINGS_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        CERTIFICATES_KEK=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="sala.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run_python(code: str, env: dict, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, process=None, timeout: float = 60, headers=None):
    """Poll ``url`` until it answers at all (any status); fail early when
    ``process`` (the server) has exited."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers or {})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process is not None and process.poll() is not None:
                message = f"the server exited with {process.returncode}"
                raise RuntimeError(message) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
