"""Real services for fault tests: a redis-server on a spare loopback port that a
test can kill, freeze and start again."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.test import override_settings

from lms import cache as lms_cache

REDIS_SERVER = shutil.which("redis-server")


def spare_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process, without persistence: a restart starts empty."""

    def __init__(self, directory):
        self.port = spare_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)

    def stop(self):
        """Kill it, as a crash would: no shutdown, no goodbye to the clients."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    @contextlib.contextmanager
    def frozen(self):
        """Stop it answering (SIGSTOP) with its data kept, as a network partition
        would; it answers again, data intact, when the block ends."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        """A plain client, to look at what the site stored."""
        return redis.Redis(port=self.port, socket_timeout=2)


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


RETRY_AFTER = 0.2


def fail_soft_caches(location: str, **options) -> dict:
    """CACHES as the settings build them from CACHE_URL=redis://… (see
    tests/faults/test_settings.py), with a short retry interval for tests."""
    return {
        "default": {
            "BACKEND": "lms.cache.FailSoftRedisCache",
            "LOCATION": location,
            "OPTIONS": {"retry_after": RETRY_AFTER, **options},
        }
    }


@pytest.fixture
def redis_cache(redis_server):
    """Django's default cache on the test's redis-server (override_settings
    resets Django's cache connections on the way in and out)."""
    lms_cache.log_throttle_reset()
    with override_settings(CACHES=fail_soft_caches(redis_server.url)):
        yield redis_server
    lms_cache.log_throttle_reset()


def wait_past_retry():
    time.sleep(RETRY_AFTER * 1.5)
