"""Rate limits count across processes through Redis, and fail open, with a log
line, while Redis is down.

Two processes, as two gunicorn workers: the test's and a fork of it with its own
cache connection. With the local-memory cache production had, each kept its own
count (the login limit of 30 became 60); that case runs too, as the contrast.
"""

import logging
import multiprocessing
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.core import ratelimit as allauth_ratelimit
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.test.signals import clear_cache_handlers

from certificates.ratelimit import verification_allowed
from tests.faults.conftest import wait_past_retry

ADDRESS = "203.0.113.7"
# A minute's start, ticking: the fixed verification window cannot roll over
# while a test counts (tests take seconds, the window is 60).
WINDOW_START = datetime(2030, 1, 1, 8, 0, 1, tzinfo=UTC)


def verify(n: int) -> list[bool]:
    request = RequestFactory().get("/en/verify/", REMOTE_ADDR=ADDRESS)
    return [verification_allowed(request) for _ in range(n)]


def log_in(n: int) -> list[bool]:
    """allauth's own login limit, as its login view consumes it."""
    request = RequestFactory().post("/en/accounts/login/", REMOTE_ADDR=ADDRESS)
    return [bool(allauth_ratelimit.consume(request, action="login")) for _ in range(n)]


def in_another_process(function, *args):
    """Run `function` in a forked process with cache connections of its own, as a
    second gunicorn worker has; return what it returns."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def run():
        clear_cache_handlers(setting="CACHES")  # its own cache objects and sockets
        results.put((caches["default"].__class__.__name__, function(*args)))

    process = context.Process(target=run)
    process.start()
    backend, result = results.get(timeout=30)
    process.join(30)
    assert process.exitcode == 0
    return backend, result


@pytest.fixture(params=["redis", "local memory"])
def shared(request, settings):
    """The cache both processes use; whether it is shared between them."""
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 30
    settings.ACCOUNT_RATE_LIMITS = {"login": "30/m/ip"}
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
        yield True
        return
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        yield False


@pytest.mark.parametrize("limited", [verify, log_in], ids=["verification", "login"])
def test_a_limit_of_30_stays_30_with_two_processes(shared, limited):
    with time_machine.travel(WINDOW_START, tick=True):
        here = limited(15)
        backend, there = in_another_process(limited, 15)
        assert all(here) and all(there)
        [thirty_first] = limited(1)
    if shared:
        assert backend == "FailSoftRedisCache"
        assert not thirty_first  # 15 + 15 counted in one place
    else:
        assert thirty_first  # what production had: each process counts alone


def test_limits_fail_open_with_a_log_line_while_redis_is_down(
    redis_cache, settings, caplog
):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 3
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    with time_machine.travel(WINDOW_START, tick=True):
        assert verify(4) == [True, True, True, False]
        assert log_in(4) == [True, True, True, False]

        redis_cache.stop()
        with caplog.at_level(logging.WARNING):
            assert all(verify(10))
            assert all(log_in(10))
        records = [(r.name, r.getMessage()) for r in caplog.records]
        # One line each, not one per request.
        assert [name for name, _ in records].count("certificates.ratelimit") == 1
        assert [name for name, _ in records].count("lms.cache") == 1
        assert any(
            "rate limit not enforced" in message and "fail" in message
            for name, message in records
            if name == "certificates.ratelimit"
        )

        # Back (empty: no persistence), the limits count again from zero.
        redis_cache.start()
        wait_past_retry()
        assert verify(4) == [True, True, True, False]
        assert log_in(4) == [True, True, True, False]
