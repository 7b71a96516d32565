"""What the settings build from the environment for the faults Sala survives:
a fail-soft Redis cache from CACHE_URL, sessions in the database, a SQLite that
queues writers; and the deployment check that refuses a per-process cache."""

import runpy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from lms.checks import cache_shared_between_processes

BASE = Path(__file__).resolve().parent.parent.parent / "lms" / "settings" / "base.py"


@pytest.fixture
def load(monkeypatch):
    """lms/settings/base.py, run afresh with the given environment."""

    def _load(**environ):
        for name in ("CACHE_URL", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(BASE))

    return _load


def test_a_redis_cache_url_gets_the_fail_soft_backend(load):
    caches = load(CACHE_URL="redis://10.0.0.5:6379/1?socket_timeout=2")["CACHES"]
    assert caches["default"] == {
        "BACKEND": "lms.cache.FailSoftRedisCache",
        "LOCATION": "redis://10.0.0.5:6379/1",
        "OPTIONS": {"socket_timeout": 2},
    }


def test_the_fail_soft_backend_keeps_short_timeouts_unless_told(load):
    from lms.cache import FailSoftRedisCache

    params = load(CACHE_URL="redis://127.0.0.1:6379/1")["CACHES"]["default"]
    client = FailSoftRedisCache(params["LOCATION"], params)._cache
    assert client._pool_options["socket_connect_timeout"] == 0.25
    assert client._pool_options["socket_timeout"] == 0.5
    params = load(CACHE_URL="redis://127.0.0.1:6379/1?socket_timeout=2")["CACHES"]
    client = FailSoftRedisCache(params["default"]["LOCATION"], params["default"])
    assert client._cache._pool_options["socket_timeout"] == 2


@pytest.mark.parametrize(
    "url", ["locmemcache://", "dbcache://sala_cache", "filecache:///tmp/sala"]
)
def test_other_caches_are_left_as_configured(load, url):
    assert load(CACHE_URL=url)["CACHES"]["default"]["BACKEND"].startswith(
        "django.core.cache.backends."
    )


def test_sessions_never_depend_on_the_cache(load):
    assert (
        load(CACHE_URL="redis://127.0.0.1:6379/1")["SESSION_ENGINE"]
        == "django.contrib.sessions.backends.db"
    )


def test_sqlite_queues_writers(load, tmp_path):
    database = load(DATABASE_URL=f"sqlite:///{tmp_path / 'sala.sqlite3'}")["DATABASES"][
        "default"
    ]
    assert database["OPTIONS"] == {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }


def test_postgresql_gets_no_sqlite_options(load):
    database = load(DATABASE_URL="postgres://sala:secret@db.internal:5432/sala")[
        "DATABASES"
    ]["default"]
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert "init_command" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(
    ("backend", "refused"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.dummy.DummyCache", True),
        ("lms.cache.FailSoftRedisCache", False),
        ("django.core.cache.backends.redis.RedisCache", False),
        ("django.core.cache.backends.db.DatabaseCache", False),
    ],
)
def test_deploy_check_refuses_a_cache_each_process_keeps_to_itself(backend, refused):
    with override_settings(CACHES={"default": {"BACKEND": backend}}):
        errors = cache_shared_between_processes()
    assert [error.id for error in errors] == (["sala.E001"] if refused else [])
    if refused:
        assert "shared between processes" in errors[0].hint


def test_the_check_runs_with_check_deploy_only():
    # The test settings use local memory: fine for `check`, refused by `--deploy`.
    call_command("check", tags=["caches"])
    with pytest.raises(SystemCheckError, match="sala.E001"):
        call_command("check", "--deploy", tags=["caches"])
