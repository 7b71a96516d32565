"""import_framework and export_framework."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from competencies import framework_io
from competencies.models import Framework
from tests.competencies.conftest import counts, make_csv, make_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the commands' English output; Khmer is the default."""
    with translation.override("en"):
        yield


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_then_export_round_trips(tmp_path, good_rows):
    source = tmp_path / "in.xlsx"
    source.write_bytes(make_xlsx(good_rows))
    out, _err = run(
        "import_framework",
        str(source),
        "--framework",
        "pilot",
        "--name-en",
        "Pilot",
        "--name-km",
        "សាកល្បង",
    )
    assert "new framework" in out and "competences: 3 created" in out
    assert Framework.objects.get(code="pilot").name_km == "សាកល្បង"

    for suffix in ("csv", "xlsx"):
        target = tmp_path / f"out.{suffix}"
        out, _err = run("export_framework", "pilot", str(target))
        assert "Wrote pilot" in out
        parsed = framework_io.read_table(target.read_bytes(), filename=target.name)
        assert [list(row.cells()) for row in parsed.rows] == good_rows

    out, _err = run(
        "import_framework", str(tmp_path / "out.csv"), "--framework", "pilot"
    )
    assert "competences: 0 created, 0 updated, 3 unchanged" in out


def test_dry_run_writes_nothing(tmp_path, good_rows):
    source = tmp_path / "in.csv"
    source.write_bytes(make_csv(good_rows))
    out, _err = run(
        "import_framework",
        str(source),
        "--framework",
        "pilot",
        "--name-en",
        "Pilot",
        "--name-km",
        "សាកល្បង",
        "--dry-run",
    )
    assert out.startswith("Would import")
    assert counts() == (0, 0, 0, 0)


def test_errors_are_printed_with_row_and_column(tmp_path, good_rows):
    rows = [*good_rows, ["competence", "C.1", "C", "Orphan", "", "", "", ""]]
    source = tmp_path / "bad.csv"
    source.write_bytes(make_csv(rows))
    err = StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "import_framework",
            str(source),
            "--framework",
            "pilot",
            "--name-en",
            "Pilot",
            "--name-km",
            "សាកល្បង",
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Row 9, column parent:")
    assert lines[1].startswith("Row 9, column name_km:")
    assert counts() == (0, 0, 0, 0)


def test_import_command_exits_non_zero(tmp_path, capsys):
    from competencies.management.commands.import_framework import Command

    source = tmp_path / "bad.csv"
    source.write_bytes(b"type,code\nlevel,L1\n")
    argv = ["manage.py", "import_framework", str(source), "--framework", "x"]
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(argv)
    assert exit_info.value.code == 1
    assert "Row 1, column parent" in capsys.readouterr().err


def test_export_needs_a_known_framework_and_format(tmp_path):
    with pytest.raises(CommandError, match="No framework"):
        run("export_framework", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match=r"\.csv or \.xlsx"):
        run("export_framework", "nope", str(tmp_path / "x.json"))


def test_import_of_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_framework", str(tmp_path / "none.csv"), "--framework", "x")
