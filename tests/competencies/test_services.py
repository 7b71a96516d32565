"""Importing, exporting and loading the default framework against the database."""

import pytest
from django.forms.models import apply_limit_choices_to_to_formfield

from competencies import framework_io
from competencies.models import Area, Competence, Framework, ProficiencyLevel
from competencies.services import (
    DEFAULT_FRAMEWORK_CSV,
    default_framework_metadata,
    framework_export,
    framework_import,
    framework_load_default,
)
from tests.competencies.conftest import counts, make_csv, make_xlsx

pytestmark = pytest.mark.django_db


def new_framework(data, filename="f.csv", **kwargs):
    return framework_import(
        framework_code="test-fw",
        name_en="Test framework",
        name_km="ក្របខណ្ឌសាកល្បង",
        file=data,
        filename=filename,
        **kwargs,
    )


def exported_rows(framework, fmt):
    data = framework_export(framework=framework, fmt=fmt)
    parsed = framework_io.read_table(data, filename=f"x.{fmt}")
    assert parsed.errors == []
    return [list(row.cells()) for row in parsed.rows]


@pytest.mark.parametrize(
    ("make", "filename"), [(make_csv, "f.csv"), (make_xlsx, "f.xlsx")]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip(good_rows, make, filename, fmt):
    result = new_framework(make(good_rows), filename)
    assert result.errors == []
    assert result.applied and result.framework_created
    framework = result.framework
    assert (framework.code, framework.name_km) == ("test-fw", "ក្របខណ្ឌសាកល្បង")
    assert result.summary()["competences"]["created"] == 3
    assert counts() == (1, 2, 2, 3)

    assert exported_rows(framework, fmt) == good_rows

    data = framework_export(framework=framework, fmt=fmt)
    again = framework_import(
        framework=framework, file=data, filename=f"x.{fmt}", dry_run=False
    )
    assert again.errors == []
    assert not again.changed
    assert again.summary() == {
        kind: {
            "created": 0,
            "updated": 0,
            "unchanged": unchanged,
            "absent": 0,
            "retire": 0,
            "retired": 0,
        }
        for kind, unchanged in (("levels", 2), ("areas", 2), ("competences", 3))
    }
    assert exported_rows(framework, fmt) == good_rows


def test_saved_values(good_rows):
    framework = new_framework(make_csv(good_rows)).framework
    levels = list(framework.levels.order_by("rank").values_list("code", "rank"))
    assert levels == [("L1", 1), ("L2", 2)]
    competence = Competence.objects.get(code="A.2")
    assert competence.framework == framework
    assert competence.area.code == "A"
    assert competence.sort_order == 2
    assert competence.description_en == 'Two lines, "quoted":\nsecond line.'
    assert Area.objects.get(code="B").sort_order == 2


def test_upsert_updates_by_code_and_never_deletes(good_rows):
    framework = new_framework(make_csv(good_rows)).framework
    a1 = Competence.objects.get(code="A.1")
    rows = [
        ["level", "L2", "", "Advanced", "ខ្ពស់", "", "", ""],  # now rank 1
        ["level", "L1", "", "Basic", "មូលដ្ឋាន", "", "", ""],
        ["area", "B", "", "Problem solving", "ការដោះស្រាយបញ្ហា", "", "", ""],
        ["competence", "A.1", "B", "Moved", "បានផ្លាស់ទី", "", "", ""],
        ["competence", "B.2", "A", "New in an existing area", "ថ្មី", "", "", ""],
    ]
    result = framework_import(
        framework=framework, file=make_csv(rows), filename="f.csv"
    )
    assert result.errors == []
    assert result.levels.updated == ["L2", "L1"]
    assert result.competences.updated == ["A.1"]
    assert result.competences.created == ["B.2"]
    assert result.competences.absent == ["A.2", "B.1"]
    assert result.areas.absent == ["A"]

    a1.refresh_from_db()
    assert (a1.area.code, a1.name_en, a1.framework_id) == ("B", "Moved", framework.pk)
    assert Competence.objects.get(code="B.2").area.code == "A"
    assert set(Competence.objects.values_list("code", flat=True)) == {
        "A.1",
        "A.2",
        "B.1",
        "B.2",
    }
    ranks = dict(framework.levels.values_list("code", "rank"))
    assert ranks == {"L2": 1, "L1": 2}


def test_absent_levels_follow_the_file_levels(good_rows):
    framework = new_framework(make_csv(good_rows)).framework
    rows = [["level", "L2", "", "Advanced", "ខ្ពស់", "", "", ""]]
    result = framework_import(
        framework=framework, file=make_csv(rows), filename="f.csv"
    )
    assert result.errors == []
    assert result.levels.absent == ["L1"]
    assert dict(framework.levels.values_list("code", "rank")) == {"L2": 1, "L1": 2}


def test_import_into_existing_framework_by_code(good_rows):
    new_framework(make_csv(good_rows[:3]))
    result = framework_import(
        framework_code="test-fw", file=make_csv(good_rows), filename="f.csv"
    )
    assert result.errors == [] and not result.framework_created
    assert Framework.objects.count() == 1
    assert result.competences.created == ["A.1", "A.2", "B.1"]


BAD_FILES = {
    "missing column": (
        make_csv(
            [["level", "L1", "", "Basic", "", "", ""]], header=framework_io.COLUMNS[:-1]
        ),
        [(1, "source")],
    ),
    "duplicate code": (
        make_csv(
            [
                ["area", "A", "", "Safety", "សុវត្ថិភាព", "", "", ""],
                ["area", "A", "", "Again", "ម្តងទៀត", "", "", ""],
            ]
        ),
        [(3, "code")],
    ),
    "unknown area": (
        make_csv([["competence", "X.1", "X", "Comp", "សមត្ថភាព", "", "", ""]]),
        [(2, "parent")],
    ),
    "empty khmer label": (
        make_csv([["area", "A", "", "Safety", "  ", "", "", ""]]),
        [(2, "name_km")],
    ),
    "bad type": (
        make_csv([["skill", "A", "", "Safety", "សុវត្ថិភាព", "", "", ""]]),
        [(2, "type")],
    ),
    "cp1252": (
        make_csv([["area", "A", "", "Café", "Cafe", "", "", ""]], encoding="cp1252"),
        [(2, framework_io.WHOLE_ROW)],
    ),
    # UTF-16 is read when its BOM gives the byte order (test_framework_io.py).
    "utf-16 without a BOM": (
        make_csv(
            [["area", "A", "", "Safety", "សុវត្ថិភាព", "", "", ""]],
            encoding="utf-16-le",
        ),
        [(1, framework_io.WHOLE_ROW)],
    ),
    "several errors": (
        make_csv(
            [
                ["area", "A", "", "Safety", "សុវត្ថិភាព", "", "", ""],  # valid
                ["area", "B", "", "", "", "", "", ""],  # 3
                ["competence", "A.1", "Q", "Comp", "សមត្ថភាព", "", "", ""],  # 4
                ["competence", "A.1", "A", "Comp", "សមត្ថភាព", "", "", ""],  # 5
            ]
        ),
        [(3, "name_en"), (3, "name_km"), (4, "parent"), (5, "code")],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("dry_run", [False, True])
def test_bad_file_reports_every_error_and_imports_nothing(good_rows, case, dry_run):
    framework = new_framework(make_csv(good_rows)).framework
    before = counts()
    snapshot = list(Competence.objects.values_list("code", "name_en", "area__code"))
    data, expected = BAD_FILES[case]

    result = framework_import(
        framework=framework, file=data, filename="bad.csv", dry_run=dry_run
    )
    assert [(error.row, error.column) for error in result.errors] == expected
    assert all(error.message for error in result.errors)
    assert not result.applied
    assert counts() == before
    assert list(Competence.objects.values_list("code", "name_en", "area__code")) == (
        snapshot
    )


def test_bad_file_for_a_new_framework_creates_nothing():
    data, _expected = BAD_FILES["several errors"]
    result = new_framework(data)
    assert result.errors
    assert counts() == (0, 0, 0, 0)


def test_errors_in_a_later_row_roll_back_nothing_partial(good_rows):
    rows = [*good_rows, ["competence", "B.2", "B", "x" * 300, "ក", "", "", ""]]
    result = new_framework(make_csv(rows))
    assert [(error.row, error.column) for error in result.errors] == [(9, "name_en")]
    assert counts() == (0, 0, 0, 0)


def test_new_framework_needs_a_valid_code_and_names(good_rows):
    result = framework_import(
        framework_code="not a slug!", file=make_csv(good_rows), filename="f.csv"
    )
    columns = [error.column for error in result.errors]
    assert columns == ["framework", "name_en", "name_km"]
    assert all(error.row is None for error in result.errors)
    assert counts() == (0, 0, 0, 0)


def test_dry_run_writes_nothing_but_reports_what_it_would_do(good_rows):
    result = new_framework(make_csv(good_rows), dry_run=True)
    assert result.errors == []
    assert result.framework is None and result.framework_created
    assert not result.applied
    assert result.summary()["levels"]["created"] == 2
    assert result.summary()["competences"]["created"] == 3
    assert counts() == (0, 0, 0, 0)

    framework = new_framework(make_csv(good_rows)).framework
    good_rows[3][3] = "Renamed"
    result = framework_import(
        framework=framework, file=make_csv(good_rows), filename="f.csv", dry_run=True
    )
    assert result.competences.updated == ["A.1"]
    assert Competence.objects.get(code="A.1").name_en == "Protecting devices"
    statuses = {row.code: status for row, status in result.row_statuses()}
    assert statuses["A.1"] == "updated" and statuses["A.2"] == "unchanged"


def test_file_object_is_accepted(good_rows, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(make_csv(good_rows))
    with path.open("rb") as handle:
        result = new_framework(handle)
    assert result.errors == []


def test_load_default_is_idempotent_and_complete():
    framework = framework_load_default()
    metadata = default_framework_metadata()
    assert framework.code == "kh-dmil-2024"
    assert framework.is_default and framework.is_provisional
    assert framework.name_en == (
        "Digital, Media and Information Literacy (DMIL) Competency Framework"
    )
    assert framework.name_km == metadata["name_km"]
    assert (framework.abbreviation_en, framework.abbreviation_km) == (
        "DMIL",
        "អ.ឌ.ប.ព.",
    )
    assert framework.areas.count() == 7
    assert framework.competences.count() == 26
    assert list(framework.levels.values_list("code", "name_en", "name_km")) == [
        ("L1", "Basic", "មូលដ្ឋាន"),
        ("L2", "Intermediate", "មធ្យម"),
        ("L3", "Advanced", "ខ្ពស់"),
    ]
    before = counts()
    pks = set(Competence.objects.values_list("pk", flat=True))

    assert framework_load_default().pk == framework.pk
    assert framework_load_default(refresh=True).pk == framework.pk
    assert counts() == before
    assert set(Competence.objects.values_list("pk", flat=True)) == pks


def test_default_framework_content_is_bilingual_and_sourced():
    framework = framework_load_default()
    competence = Competence.objects.get(framework=framework, code="4.2")
    assert competence.name_en == "Protecting personal data and privacy"
    assert competence.name_km == "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព"
    assert competence.area.name_km == "សុវត្ថិភាព"
    for item in [*framework.areas.all(), *framework.competences.all()]:
        assert item.name_km and item.description_en and item.description_km
        assert item.source.startswith("Provisional: UNESCO DLGF 2018")
        assert any("\u1780" <= char <= "\u17ff" for char in item.name_km)
    for level in framework.levels.all():
        assert level.description_en and level.description_km and level.source
    assert (
        "114" in framework.description_en and "27 June 2024" in framework.description_en
    )
    assert "១១៤" in framework.description_km


def test_load_default_keeps_changes_unless_refreshed():
    framework = framework_load_default()
    Competence.objects.filter(code="4.2").update(name_en="Edited")
    framework_load_default()
    assert Competence.objects.get(code="4.2").name_en == "Edited"
    framework_load_default(refresh=True)
    assert Competence.objects.get(code="4.2").name_en == (
        "Protecting personal data and privacy"
    )
    assert framework.competences.count() == 26


def test_load_default_makes_it_the_only_default(good_rows):
    other = new_framework(make_csv(good_rows)).framework
    Framework.objects.filter(pk=other.pk).update(is_default=True)
    framework = framework_load_default()
    assert list(Framework.objects.filter(is_default=True)) == [framework]


def test_default_data_file_round_trips():
    framework = framework_load_default()
    shipped = framework_io.read_table(
        DEFAULT_FRAMEWORK_CSV.read_bytes(), filename=DEFAULT_FRAMEWORK_CSV.name
    )
    assert shipped.errors == []
    assert exported_rows(framework, "csv") == [
        list(row.cells()) for row in shipped.rows
    ]


def test_level_ranks_survive_reordering_without_collisions(good_rows):
    framework = new_framework(make_csv(good_rows)).framework
    ProficiencyLevel.objects.create(
        framework=framework, code="L9", rank=9, name_en="Expert", name_km="អ្នកជំនាញ"
    )
    rows = [
        ["level", "L9", "", "Expert", "អ្នកជំនាញ", "", "", ""],
        ["level", "L2", "", "Advanced", "ខ្ពស់", "Complex tasks.", "កិច្ចការស្មុគស្មាញ។", ""],
        ["level", "L0", "", "Starter", "ចាប់ផ្តើម", "", "", ""],
    ]
    result = framework_import(
        framework=framework, file=make_csv(rows), filename="f.csv"
    )
    assert result.errors == []
    assert list(framework.levels.order_by("rank").values_list("code", "rank")) == [
        ("L9", 1),
        ("L2", 2),
        ("L0", 3),
        ("L1", 4),
    ]


def test_competences_and_clusters_absent_from_the_file_are_retired(good_rows):
    from assessments.models import QuestionCompetence
    from competencies.selectors import framework_tree
    from courses.models import CourseCompetence

    framework = new_framework(make_csv(good_rows)).framework
    kept = [row for row in good_rows if row[1] not in ("A.2", "B", "B.1")]
    dry = framework_import(
        framework=framework, file=make_csv(kept), filename="f.csv", dry_run=True
    )
    assert dry.competences.retire == ["A.2", "B.1"] and dry.areas.retire == ["B"]
    assert Competence.objects.filter(retired_at__isnull=False).count() == 0

    applied = framework_import(
        framework=framework, file=make_csv(kept), filename="f.csv"
    )
    assert applied.changed
    retired = Competence.objects.get(code="A.2")
    assert retired.retired_at is not None and retired.name_en  # kept, with its names
    assert Area.objects.get(code="B").retired_at is not None
    assert counts() == (1, 2, 2, 3)  # nothing deleted
    tree = {
        a.code: [c.code for c in a.competences.all()]
        for a in framework_tree(framework=framework)
    }
    assert tree == {"A": ["A.1"]}
    for model in (QuestionCompetence, CourseCompetence):
        field = model._meta.get_field("competence").formfield()
        apply_limit_choices_to_to_formfield(field)  # as every model form does
        assert set(field.queryset.values_list("code", flat=True)) == {"A.1"}

    # The same file again changes nothing.
    again = framework_import(framework=framework, file=make_csv(kept), filename="f.csv")
    assert not again.changed
    assert again.competences.retire == [] and again.competences.retired == [
        "A.2",
        "B.1",
    ]
    assert Competence.objects.get(code="A.2").retired_at == retired.retired_at

    # Listed again: brought back.
    back = framework_import(
        framework=framework, file=make_csv(good_rows), filename="f.csv"
    )
    assert back.competences.restored == ["A.2", "B.1"] and back.areas.restored == ["B"]
    assert not Competence.objects.filter(retired_at__isnull=False).exists()
