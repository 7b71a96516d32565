"""Keep Khmer words whole in the embedded SQLite full-text index.

On SQLite, Wagtail's database search backend keeps an FTS5 table (created by
wagtailsearch 0006) with FTS5's default tokenizer, unicode61, which takes combining
marks for separators: it cut every Khmer word at its vowel signs and subscripts, so
``កាប់`` was searched as the letters ក, ប and found ``កាបូប`` and ``កែប្រែ`` too.
Pages are indexed with a space between Khmer words (``courses.khmer.segment``), so
the words only have to stay whole.

This recreates that table as Wagtail does, except for the tokenizer, whose
``tokenchars`` add Khmer's combining marks and coeng (U+17B4-U+17D3, U+17DD), and
refills it from Wagtail's index entries (the triggers on them stay and keep it in
step, ``update_index`` included). Nothing changes for other scripts: their
characters keep unicode61's categories and diacritic folding. PostgreSQL (and
MySQL) use their own search backends: there this migration does nothing.
"""

from django.db import migrations

KHMER_MARKS = "".join(chr(c) for c in [*range(0x17B4, 0x17D4), 0x17DD])
KHMER_TOKENIZE = f"unicode61 tokenchars '{KHMER_MARKS}'"


def _recreate_fts_table(apps, schema_editor, tokenize):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    try:
        fts_entry = apps.get_model("wagtailsearch", "SQLiteFTSIndexEntry")
    except LookupError:  # SQLite without FTS5: Wagtail searches without the table
        return
    entries = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    table = fts_entry._meta.db_table
    options = f', tokenize = "{tokenize}"' if tokenize else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # The columns of wagtailsearch 0006, in its order.
        cursor.execute(
            f"CREATE VIRTUAL TABLE {table} "
            f"USING fts5(autocomplete, body, title{options})"
        )
        cursor.execute(
            f"INSERT INTO {table}(rowid, title, body, autocomplete) "
            f"SELECT id, title, body, autocomplete FROM {entries}"
        )


def keep_khmer_words_whole(apps, schema_editor):
    _recreate_fts_table(apps, schema_editor, KHMER_TOKENIZE)


def use_default_tokenizer(apps, schema_editor):
    _recreate_fts_table(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_current_competences_only"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [
        migrations.RunPython(keep_khmer_words_whole, use_default_tokenizer),
    ]
