import json

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections

# What the migrations wrote into the test database (roles, institutions, Wagtail's
# root page and locale), by database alias; taken once, right after set-up.
_MIGRATED_DATA: dict[str, str] = {}
# The database blocker, while the test database exists.
_DB: dict[str, object] = {}


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked `postgres` unless the test database is PostgreSQL.

    They race threads for one row (concurrent submits, issuance, starts), which
    holds only where `select_for_update` takes a row lock, or share the test
    database with a Celery worker in another process: SQLite does neither. The
    marker, not a check in each test, decides it, so that `-m postgres` selects
    exactly what `scripts/test-postgres` runs against a PostgreSQL of its own.
    """
    if connections["default"].vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… or run "
        "scripts/test-postgres"
    )
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for alias in connections:
            rows = json.loads(connections[alias].creation.serialize_db_to_string())
            # Content types first: saving other rows may look them up, and a
            # lookup that misses creates one under a new id.
            rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
            _MIGRATED_DATA[alias] = json.dumps(rows)
    _DB["blocker"] = django_db_blocker
    yield
    _DB.clear()


def _restore_migrated_data():
    """Empty every table, then put back what the migrations wrote, ids included."""
    ContentType.objects.clear_cache()
    for alias, data in _MIGRATED_DATA.items():
        connection = connections[alias]
        call_command(
            "flush",
            database=alias,
            interactive=False,
            verbosity=0,
            reset_sequences=False,
            inhibit_post_migrate=True,
        )
        connection.creation.deserialize_db_from_string(data)
        # The rows come back with their ids; new rows must not reuse them.
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    ContentType.objects.clear_cache()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test, leave the database as the migrations left it.

    Such a test ends with a flush: every table is emptied, and content types and
    permissions come back under new ids. Without this, the next transactional
    test would find no roles, institutions or Wagtail root page, and Django's
    serialized_rollback would fail restoring content types under their old ids.
    """
    result = yield
    if nextitem is not None and "blocker" in _DB and _is_transactional(item):
        with _DB["blocker"].unblock():
            _restore_migrated_data()
    return result


@pytest.fixture
def migrated_data(transactional_db):
    """The database as the migrations left it, for a transactional test."""
    _restore_migrated_data()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever an earlier one activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: allauth remembers used TOTP codes and
    rate limits there, keyed by ids that a flushed database hands out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
