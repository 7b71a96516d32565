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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for alias in connections:
            rows = json.loads(connections[alias].creation.serialize_db_to_string())
            # Content types first: saving other rows may look them up, and a
            # lookup that misses creates one under a new id.
            rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
            _MIGRATED_DATA[alias] = json.dumps(rows)


@pytest.fixture
def migrated_data(transactional_db):
    """Put the database back as the migrations left it, for a transactional test.

    A transactional test ends with a flush that empties every table, data
    migrations' rows included. Django's serialized_rollback cannot restore them
    after another transactional test's flush has recreated content types and
    permissions under new ids; this empties the tables first, then restores.
    """
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


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
