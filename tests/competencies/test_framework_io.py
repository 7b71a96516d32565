"""The file format on its own: reading, checking and planning, with no database;
last, files as other programs write them through the import service, which
writes nothing while any error remains."""

import codecs
import io

import openpyxl
import pytest
from django.utils import translation

from competencies import framework_io
from competencies.framework_io import (
    COLUMNS,
    WHOLE_ROW,
    ExistingFramework,
    parse_and_validate,
    plan_import,
    read_table,
    write_table,
)
from lms import tabular
from tests.competencies.conftest import GOOD_ROWS, make_csv, make_xlsx
from tests.fixtures.tabular import excel


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English here; Khmer ones are checked explicitly."""
    with translation.override("en"):
        yield


def errors_of(data, filename="f.csv", **kwargs):
    parsed = parse_and_validate(data, filename=filename, **kwargs)
    return [(error.row, error.column) for error in parsed.errors], parsed


@pytest.mark.parametrize("bom", [False, True])
def test_good_csv_reads_rows_with_spreadsheet_numbers(bom):
    found, parsed = errors_of(make_csv(GOOD_ROWS, bom=bom))
    assert found == []
    assert [row.row for row in parsed.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert [list(row.cells()) for row in parsed.rows] == GOOD_ROWS
    assert parsed.rows[0].type == "level"


def test_good_xlsx_reads_the_first_sheet():
    found, parsed = errors_of(make_xlsx(GOOD_ROWS), "f.xlsx")
    assert found == []
    assert [list(row.cells()) for row in parsed.rows] == GOOD_ROWS


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_written_table_reads_back_identically(fmt):
    rows = parse_and_validate(make_csv(GOOD_ROWS), filename="f.csv").rows
    data = write_table(rows, fmt=fmt)
    again = read_table(data, filename=f"out.{fmt}")
    assert again.errors == []
    assert [row.cells() for row in again.rows] == [row.cells() for row in rows]


def test_written_csv_has_a_bom_and_the_header():
    data = write_table([], fmt="csv")
    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode().strip() == ",".join(COLUMNS)


def test_headers_are_matched_case_insensitively_in_any_order():
    header = [column.upper() for column in reversed(COLUMNS)]
    rows = [list(reversed(row)) for row in GOOD_ROWS]
    found, parsed = errors_of(make_csv(rows, header=header))
    assert found == []
    assert [list(row.cells()) for row in parsed.rows] == GOOD_ROWS


def test_blank_rows_are_skipped_but_keep_the_numbering():
    rows = [
        GOOD_ROWS[0],
        [""] * 8,
        GOOD_ROWS[2],
        ["competence", "", "A", "", "", "", "", ""],
    ]
    found, _parsed = errors_of(make_csv(rows))
    assert found == [(5, "code"), (5, "name_en"), (5, "name_km")]


def test_missing_column_is_reported_on_row_1():
    header = [column for column in COLUMNS if column != "name_km"]
    rows = [[cell for i, cell in enumerate(row) if i != 4] for row in GOOD_ROWS]
    found, parsed = errors_of(make_csv(rows, header=header))
    assert found == [(1, "name_km")]
    assert parsed.rows == []
    assert "missing" in parsed.errors[0].message


def test_several_missing_columns_are_all_reported():
    found, _parsed = errors_of(b"type,code\nlevel,L1\n")
    assert found == [(1, column) for column in COLUMNS[2:]]


def test_unknown_and_empty_type():
    rows = [
        GOOD_ROWS[0],
        ["cluster", "X", "", "X", "X", "", "", ""],
        ["", "Y", "", "Y", "Y", "", "", ""],
    ]
    found, parsed = errors_of(make_csv(rows))
    assert found == [(3, "type"), (4, "type")]
    assert "cluster" in parsed.errors[0].message


def test_duplicate_code_names_both_rows():
    rows = [*GOOD_ROWS, ["competence", "A.1", "B", "Again", "ម្តងទៀត", "", "", ""]]
    found, parsed = errors_of(make_csv(rows))
    assert found == [(9, "code")]
    message = parsed.errors[0].message
    assert "5" in message and "9" in message and "A.1" in message


def test_same_code_in_different_types_is_allowed():
    rows = [*GOOD_ROWS, ["level", "A", "", "Top", "កំពូល", "", "", ""]]
    found, _parsed = errors_of(make_csv(rows))
    assert found == []


def test_unknown_area_unless_already_in_the_framework():
    rows = [*GOOD_ROWS, ["competence", "C.1", "C", "New", "ថ្មី", "", "", ""]]
    found, parsed = errors_of(make_csv(rows))
    assert found == [(9, "parent")]
    assert "C" in parsed.errors[0].message
    found, _parsed = errors_of(make_csv(rows), existing_area_codes={"C"})
    assert found == []


def test_parent_rules():
    rows = [
        ["level", "L1", "A", "Basic", "មូលដ្ឋាន", "", "", ""],
        ["area", "A", "X", "Area", "វិស័យ", "", "", ""],
        ["competence", "A.1", "", "Comp", "សមត្ថភាព", "", "", ""],
    ]
    found, _parsed = errors_of(make_csv(rows))
    assert found == [(2, "parent"), (3, "parent"), (4, "parent")]


def test_empty_labels_and_code():
    rows = [
        ["area", "A", "", "Safety", "", "", "", ""],
        ["area", "B", "", "", "ការដោះស្រាយបញ្ហា", "", "", ""],
        ["area", "", "", "No code", "គ្មានកូដ", "", "", ""],
    ]
    found, parsed = errors_of(make_csv(rows))
    assert found == [(2, "name_km"), (3, "name_en"), (4, "code")]
    assert "Khmer" in parsed.errors[0].message


def test_too_long_values():
    rows = [["level", "L" * 21, "", "x" * 101, "ក", "", "", ""]]
    found, _parsed = errors_of(make_csv(rows))
    assert found == [(2, "code"), (2, "name_en")]


def test_all_errors_of_a_file_are_reported_in_row_order():
    rows = [
        ["level", "L1", "", "Basic", "", "", "", ""],  # 2: empty Khmer
        ["grade", "G", "", "G", "G", "", "", ""],  # 3: bad type
        ["area", "A", "", "Safety", "សុវត្ថិភាព", "", "", ""],
        ["area", "A", "", "Safety again", "សុវត្ថិភាព", "", "", ""],  # 5: duplicate
        ["competence", "A.1", "Z", "Comp", "សមត្ថភាព", "", "", ""],  # 6: unknown area
        ["competence", "", "A", "", "សមត្ថភាព", "", "", ""],  # 7: code, name_en
    ]
    found, _parsed = errors_of(make_csv(rows))
    assert found == [
        (2, "name_km"),
        (3, "type"),
        (5, "code"),
        (6, "parent"),
        (7, "code"),
        (7, "name_en"),
    ]


@pytest.mark.parametrize(
    ("encoding", "row"),
    [("cp1252", 3), ("latin-1", 3)],
)
def test_not_utf8_reports_the_row_of_the_first_bad_byte(encoding, row):
    rows = [
        ["level", "L1", "", "Basic", "Base", "", "", ""],
        ["area", "A", "", "Café", "Cafe", "", "", ""],
        ["area", "B", "", "Naïve", "Naive", "", "", ""],
    ]
    found, parsed = errors_of(make_csv(rows, encoding=encoding))
    assert found == [(row, WHOLE_ROW)]
    assert "UTF-8" in parsed.errors[0].message


def test_bad_byte_after_a_multiline_cell_counts_spreadsheet_rows():
    data = make_csv([GOOD_ROWS[4]]) + "area,X,,Caf\u00e9,k,,,\r\n".encode("cp1252")
    found, _parsed = errors_of(data)
    assert found == [(3, WHOLE_ROW)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_refused(encoding):
    found, parsed = errors_of(make_csv(GOOD_ROWS, encoding=encoding))
    assert found == [(1, WHOLE_ROW)]
    assert parsed.rows == []


@pytest.mark.parametrize(
    "build", [excel.unicode_text, excel.unicode_text_big_endian, excel.csv_utf8]
)
def test_excel_unicode_text_and_csv_utf8_are_read(build):
    found, parsed = errors_of(build([COLUMNS, *GOOD_ROWS]))
    assert found == []
    assert [list(row.cells()) for row in parsed.rows] == GOOD_ROWS


def test_ansi_csv_with_khmer_as_question_marks_is_refused():
    parsed = parse_and_validate(excel.csv_ansi([COLUMNS, *GOOD_ROWS]), filename="f.csv")
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [
        (2, "name_km", "mangled_text")
    ]
    assert parsed.rows == []
    assert "“CSV UTF-8 (Comma delimited)”" in parsed.errors[0].message


def test_header_below_a_title_row():
    rows = [["DMIL framework, 2026 edition"], COLUMNS, *GOOD_ROWS]
    parsed = parse_and_validate(excel.openpyxl_xlsx(rows), filename="f.xlsx")
    assert [(e.row, e.code, e.params) for e in parsed.errors] == [
        (1, "header_not_first", {"found": 2})
    ]


def test_other_columns_are_not_read_unless_a_column_is_missing():
    header = [*COLUMNS, "notes"]
    rows = [[*row, "a note"] for row in GOOD_ROWS]
    found, parsed = errors_of(make_csv(rows, header=header))
    assert found == [] and len(parsed.rows) == len(GOOD_ROWS)
    header = [("Name KM" if c == "name_km" else c) for c in COLUMNS[:-1]] + ["src"]
    found, parsed = errors_of(make_csv(GOOD_ROWS, header=header))
    # "Name KM" reads as name_km; "src" is named, being perhaps "source".
    assert [(e.column, e.code) for e in parsed.errors] == [
        ("src", "unknown_column"),
        ("source", "missing_column"),
    ]


@pytest.mark.parametrize("data", [b"", b"  \r\n", codecs.BOM_UTF8])
def test_empty_file(data):
    found, parsed = errors_of(data)
    assert found == [(1, WHOLE_ROW)]
    assert "empty" in parsed.errors[0].message


def test_header_without_rows():
    found, _parsed = errors_of(make_csv([]))
    assert found == [(2, WHOLE_ROW)]


def test_unreadable_xlsx():
    found, parsed = errors_of(b"this is not a workbook", "f.xlsx")
    assert found == [(None, WHOLE_ROW)]
    assert parsed.errors[0].row_label == WHOLE_ROW
    assert "Excel" in parsed.errors[0].message


def test_truncated_xlsx_is_unreadable():
    data = make_xlsx(GOOD_ROWS)
    found, _parsed = errors_of(data[: len(data) // 2], "f.xlsx")
    assert found == [(None, WHOLE_ROW)]


def test_workbook_with_a_csv_name_is_read_as_a_workbook():
    found, parsed = errors_of(make_xlsx(GOOD_ROWS), "framework.csv")
    assert found == []
    assert len(parsed.rows) == len(GOOD_ROWS)


def test_unsupported_extension():
    found, _parsed = errors_of(b"type\n", "framework.ods")
    assert found == [(None, WHOLE_ROW)]


def test_unquoted_comma_is_reported_on_its_row():
    data = make_csv(GOOD_ROWS[:1]) + b"area,A,,Safety, security,k,,,DLGF\r\n"
    found, _parsed = errors_of(data)
    assert found == [(3, WHOLE_ROW)]


def test_semicolon_separated_file_is_read():
    data = ";".join(COLUMNS).encode() + b"\nlevel;L1;;Basic;\xe1\x9e\x80;;;\n"
    found, parsed = errors_of(data)
    assert found == []
    assert parsed.rows[0].name_km == "ក"


def test_numeric_xlsx_codes_become_text():
    rows = [
        ["area", 1, "", "One", "មួយ", "", "", ""],
        ["competence", 1.1, 1, "C", "គ", "", "", ""],
    ]
    found, parsed = errors_of(make_xlsx(rows), "f.xlsx")
    assert found == []
    assert [(row.code, row.parent) for row in parsed.rows] == [("1", ""), ("1.1", "1")]


def test_messages_follow_the_active_language_when_read():
    _found, parsed = errors_of(make_csv([["area", "", "", "A", "ក", "", "", ""]]))
    error = parsed.errors[0]
    with translation.override("en"):
        assert str(error) == "Row 2, column code: The code is empty."


def test_plan_orders_and_compares():
    rows = parse_and_validate(make_csv(GOOD_ROWS), filename="f.csv").rows
    existing = ExistingFramework(
        levels={
            "L2": {
                "rank": 1,
                "name_en": "Advanced",
                "name_km": "ខ្ពស់",
                "description_en": "Complex tasks.",
                "description_km": "កិច្ចការស្មុគស្មាញ។",
                "source": "",
            },
            "L0": {
                "rank": 2,
                "name_en": "Old",
                "name_km": "ចាស់",
                "description_en": "",
                "description_km": "",
                "source": "",
            },
        },
        competences={
            "B.1": {
                "area": "B",
                "sort_order": 1,
                "name_en": "Solving technical problems",
                "name_km": "ការដោះស្រាយបញ្ហាបច្ចេកទេស",
                "description_en": "",
                "description_km": "",
                "source": "",
            },
            "Z.9": {
                "area": "Z",
                "sort_order": 1,
                "name_en": "Gone",
                "name_km": "បាត់",
                "description_en": "",
                "description_km": "",
                "source": "",
            },
        },
    )
    plan = plan_import(rows, existing)
    assert plan.levels.created == ["L1"]
    assert plan.levels.updated == ["L2"]  # its rank moves from 1 to 2
    assert plan.levels.absent == ["L0"]
    assert plan.level_ranks == {"L1": 1, "L2": 2, "L0": 3}
    assert plan.areas.created == ["A", "B"]
    assert plan.competences.created == ["A.1", "A.2"]
    assert plan.competences.unchanged == ["B.1"]
    assert plan.competences.absent == ["Z.9"]
    assert plan.competence_values["A.2"]["sort_order"] == 2
    assert plan.area_values["B"]["sort_order"] == 2
    assert plan.competences.status("A.1") == "created"


def test_workbook_that_unpacks_too_large_is_refused():
    data = excel.zip_bomb_xlsx(tabular.XLSX_MAX_UNPACKED_BYTES + 1)
    found, parsed = errors_of(data, "f.xlsx")
    assert found == [(None, WHOLE_ROW)]
    assert parsed.errors[0].code == "xlsx_too_large"
    assert "too large" in parsed.errors[0].message


def test_written_xlsx_keeps_formula_like_names_as_text():
    rows = [["area", "F", "", '=HYPERLINK("http://x.example")', "-ក", "", "", ""]]
    parsed = parse_and_validate(make_csv(rows), filename="f.csv")
    data = write_table(parsed.rows, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["D2"].data_type == "s" and sheet["E2"].data_type == "s"
    again = read_table(data, filename="f.xlsx")
    assert [row.cells() for row in again.rows] == [row.cells() for row in parsed.rows]


def test_messages_are_registered_once_under_their_codes():
    assert set(framework_io.MESSAGES) <= set(tabular.MESSAGES)
    error = framework_io.RowError(2, "code", "empty_code")
    assert framework_io.RowError.from_dict(error.as_dict()) == error


REFUSED = {
    "ANSI CSV, Khmer as ?": (
        lambda: excel.csv_ansi([COLUMNS, *GOOD_ROWS]),
        "f.csv",
        [(2, "name_km", "mangled_text")],
    ),
    "title row above the header": (
        lambda: excel.openpyxl_xlsx([["DMIL framework"], COLUMNS, *GOOD_ROWS]),
        "f.xlsx",
        [(1, WHOLE_ROW, "header_not_first")],
    ),
    "zip bomb": (
        lambda: excel.zip_bomb_xlsx(tabular.XLSX_MAX_UNPACKED_BYTES + 1),
        "f.xlsx",
        [(None, WHOLE_ROW, "xlsx_too_large")],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", REFUSED)
def test_refused_files_write_nothing(case):
    from competencies.services import framework_import
    from tests.competencies.conftest import counts

    build, filename, expected = REFUSED[case]
    before = counts()
    result = framework_import(
        framework_code="test-fw",
        name_en="Test framework",
        name_km="ក្របខណ្ឌសាកល្បង",
        file=build(),
        filename=filename,
    )
    assert [(e.row, e.column, e.code) for e in result.errors] == expected
    assert not result.applied and counts() == before
    # The same rows, saved by Excel as Unicode Text (a .txt file), are imported.
    good = framework_import(
        framework_code="test-fw",
        name_en="Test framework",
        name_km="ក្របខណ្ឌសាកល្បង",
        file=excel.unicode_text([COLUMNS, *GOOD_ROWS]),
        filename="framework.txt",
    )
    assert good.errors == [] and counts()[1:] == (2, 2, 3)
