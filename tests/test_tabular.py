"""The one spreadsheet reader (lms.tabular.read_table), on files as Excel, pandas
and openpyxl write them; pandas, told the format, is the reference reading."""

import codecs
import csv
import io
import time

import pandas as pd
import pytest
from django.utils import translation

from lms import tabular
from lms.tabular import WHOLE_ROW, Column, Joined, RowError, Schema, read_table
from tests.fixtures.tabular import excel

SCHEMA = Schema(
    columns=(
        Column("email", "E-mail", aliases=("e-mail", "email address")),
        Column("name_km", "Name in Khmer", required=False),
        Column("name_latin", "Name in Latin script", aliases=("latin name",)),
        Column("note", "Note", required=False),
    ),
    joined=(Joined("name_latin", ("firstname", "lastname")),),
    ignored=("username",),
)
HEADER = ["email", "name_km", "name_latin", "note"]
ROWS = [
    HEADER,
    ["dara@example.org", "សុខ ដារា", "SOK Dara", "Chief; Office, 2nd floor"],
    ["nita@example.org", "ចាន់ នីតា", "CHAN Nita", 'Two lines,\n"quoted"'],
    ["", "", "", ""],
    ["vibol@example.org", "ហេង វិបុល", "HENG Vibol", "@home"],
]
EXPECTED = [
    (2, ["dara@example.org", "សុខ ដារា", "SOK Dara", "Chief; Office, 2nd floor"]),
    (3, ["nita@example.org", "ចាន់ នីតា", "CHAN Nita", 'Two lines, "quoted"']),
    (5, ["vibol@example.org", "ហេង វិបុល", "HENG Vibol", "@home"]),
]


def read(data, filename="learners.csv", schema=SCHEMA, **kwargs):
    return read_table(data, schema=schema, filename=filename, **kwargs)


def found(reading):
    return [(error.row, error.column, error.code) for error in reading.errors]


def table(reading):
    return [(row.row, [row.values[name] for name in HEADER]) for row in reading.rows]


def folded(frame):
    """pandas' cells, blanks folded as the schema folds them."""
    return [[" ".join(str(cell).split()) for cell in row] for row in frame.values]


REFERENCE = {
    # How to read each file, told to pandas instead of found out.
    "CSV UTF-8 (Comma delimited)": (
        excel.csv_utf8,
        {"encoding": "utf-8-sig", "sep": ","},
    ),
    "CSV UTF-8 with semicolons (European Excel)": (
        lambda rows: excel.csv_utf8(rows, delimiter=";"),
        {"encoding": "utf-8-sig", "sep": ";"},
    ),
    "Unicode Text (UTF-16 LE, tabs)": (
        excel.unicode_text,
        {"encoding": "utf-16", "sep": "\t"},
    ),
    "UTF-16 BE with its BOM": (
        excel.unicode_text_big_endian,
        {"encoding": "utf-16", "sep": "\t"},
    ),
}


@pytest.mark.parametrize("kind", REFERENCE)
def test_text_files_as_excel_saves_them(kind):
    build, how = REFERENCE[kind]
    data = build(ROWS)
    reading = read(data)
    assert found(reading) == []
    assert table(reading) == EXPECTED
    reference = pd.read_csv(
        io.BytesIO(data), dtype=str, keep_default_na=False, skip_blank_lines=True, **how
    )
    assert list(reference.columns) == HEADER
    reference = reference[reference.astype(bool).any(axis=1)]
    assert [cells for _row, cells in table(reading)] == folded(reference)


def test_utf8_without_bom_and_with_lf_line_ends():
    quoted = ['"' + cell.replace('"', '""') + '"' for row in ROWS for cell in row]
    text = "".join(",".join(quoted[i : i + 4]) + "\n" for i in range(0, 20, 4))
    assert table(read(text.encode())) == EXPECTED


@pytest.mark.parametrize("writer", [excel.openpyxl_xlsx, excel.pandas_xlsx])
def test_workbooks_from_openpyxl_and_pandas(writer):
    data = writer(ROWS)
    reading = read(data, "learners.xlsx")
    assert found(reading) == []
    assert table(reading) == EXPECTED
    # pandas itself, with its openpyxl engine, reads the same first sheet.
    reference = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    reference = reference[reference.astype(bool).any(axis=1)]
    assert [cells for _row, cells in table(reading)] == folded(reference)


def test_a_workbook_named_csv_is_read_as_a_workbook():
    assert table(read(excel.openpyxl_xlsx(ROWS), "learners.csv")) == EXPECTED


def test_numbers_and_dates_in_a_workbook_become_text():
    from datetime import date

    rows = [HEADER, ["a@example.org", 12, 1.5, date(2026, 3, 10)]]
    reading = read(excel.openpyxl_xlsx(rows), "f.xlsx")
    assert table(reading) == [
        (2, ["a@example.org", "12", "1.5", "2026-03-10 00:00:00"])
    ]


def test_line_breaks_are_kept_when_the_schema_keeps_them():
    schema = Schema(columns=SCHEMA.columns, fold_whitespace=False)
    reading = read(excel.csv_utf8(ROWS), schema=schema)
    assert reading.rows[1].values["note"] == 'Two lines,\n"quoted"'


# Encodings ------------------------------------------------------------------------


def test_ansi_csv_with_khmer_turned_to_question_marks_is_refused():
    data = excel.csv_ansi(ROWS)
    assert b"??? ????" in data  # What Excel's "CSV (Comma delimited)" leaves.
    reading = read(data)
    assert found(reading) == [(2, "name_km", "mangled_text")]
    assert reading.rows == []
    with translation.override("en"):
        message = reading.errors[0].message
    assert message.startswith("“??? ????”: this cell has question marks")
    assert "“CSV UTF-8 (Comma delimited)”" in message


def test_question_marks_in_the_first_text_column_that_has_them():
    rows = [HEADER, ["a@example.org", "", "??????? ?????", ""]]
    assert found(read(excel.csv_utf8(rows))) == [(2, "name_latin", "mangled_text")]


@pytest.mark.parametrize(
    ("value", "mangled"),
    [
        ("????? ????", True),
        ("??", True),
        ("DLGF 4.1 ????????", True),
        ("What??", False),
        ("Is it safe? Yes?", False),
        ("SOK ??", False),
        ("?", False),
        ("សុខ ដារា", False),
    ],
)
def test_question_marks(value, mangled):
    assert tabular.question_marks(value) is mangled


def test_ansi_csv_with_accents_is_refused_on_the_row_of_the_first():
    rows = [HEADER, ROWS[2], ["cafe@example.org", "", "Café", ""]]
    data = excel.csv_ansi(rows)
    reading = read(data)
    # Row 2 spans two lines of the file: "Café" is on the third spreadsheet row.
    assert found(reading) == [(3, WHOLE_ROW, "not_utf8")]
    with translation.override("en"):
        assert "“CSV UTF-8 (Comma delimited)”" in reading.errors[0].message


def test_utf16_without_a_bom_is_refused():
    data = tabular_text(ROWS, "\t").encode("utf-16-le")
    assert found(read(data)) == [(1, WHOLE_ROW, "not_utf8")]


def tabular_text(rows, delimiter):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b" \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b",,,\r\n,,,\r\n"],
)
def test_empty_files(data):
    assert found(read(data)) == [(1, WHOLE_ROW, "empty_file")]


def test_header_without_rows():
    assert found(read(excel.csv_utf8([HEADER]))) == [(2, WHOLE_ROW, "no_rows")]


# Delimiters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("email,name\na@example.org,x\n", ","),
        ("email;name\na@example.org;x\n", ";"),
        ("email\tname\na@example.org\tx\n", "\t"),
        ('email,note\na@example.org,"a; b; c; d"\n', ","),
        ('email;note\na@example.org;"1,5, 2,5"\n', ";"),
        ("email\n", ","),
    ],
)
def test_sniff_delimiter_matches_pythons_sniffer(text, delimiter):
    assert tabular.sniff_delimiter(text) == delimiter
    if text.count("\n") > 1:
        assert csv.Sniffer().sniff(text, ",;\t").delimiter == delimiter


# Header ---------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [excel.openpyxl_xlsx, excel.csv_utf8])
def test_header_below_a_title_row(writer):
    rows = [["Learners of the March cohort", "", "", ""], ["", "", "", ""], *ROWS]
    name = "f.xlsx" if writer is excel.openpyxl_xlsx else "f.csv"
    reading = read(writer(rows), name)
    assert found(reading) == [(1, WHOLE_ROW, "header_not_first")]
    with translation.override("en"):
        assert reading.errors[0].message == (
            "The header must be on row 1; it was found on row 3. Delete the rows "
            "above it."
        )


def test_unknown_and_missing_columns_say_what_is_expected():
    rows = [["E-Mail", "nickname", "note"], ["a@example.org", "x", ""]]
    reading = read(excel.csv_utf8(rows))
    assert found(reading) == [
        (1, "nickname", "unknown_column"),
        (1, "name_latin", "missing_column_aliases"),
    ]
    with translation.override("en"):
        unknown, missing = (error.message for error in reading.errors)
    assert unknown == (
        "Unknown column “nickname”. The columns are: email, name_km, name_latin, note."
    )
    assert missing == (
        "The required column is missing. Its header may also be written: "
        "latin name, firstname + lastname."
    )


def test_aliases_and_joined_columns():
    rows = [
        ["Username", "Email Address", "FirstName", "LastName", "Note"],
        ["dsok", "dara@example.org", "Dara", "Sok", ""],
        ["nchan", "nita@example.org", "Nita", "", ""],
    ]
    reading = read(excel.csv_utf8(rows))
    assert found(reading) == []
    assert [row.values["name_latin"] for row in reading.rows] == ["Dara Sok", "Nita"]
    assert reading.rows[0].values["name_km"] == ""
    uses = {use.name: use.headers for use in reading.columns}
    assert uses == {
        "email": ("Email Address",),
        "name_km": (),
        "name_latin": ("FirstName", "LastName"),
        "note": ("Note",),
    }
    assert [use.renamed for use in reading.columns] == [True, False, True, False]
    assert reading.ignored == ["Username"]
    assert not reading.has_column("name_km") and reading.has_column("name_latin")


def test_a_joined_column_needs_all_its_parts_and_no_rival():
    lone = read(excel.csv_utf8([["email", "firstname"], ["a@example.org", "A"]]))
    assert found(lone) == [(1, "lastname", "missing_part")]
    with translation.override("en"):
        assert lone.errors[0].message == (
            "The column firstname needs the column lastname beside it: together "
            "they give name_latin."
        )
    both = [["email", "name_latin", "firstname", "lastname"], ["a@example.org"] * 4]
    assert found(read(excel.csv_utf8(both))) == [(1, "name_latin", "duplicate_column")]


def test_duplicate_column_through_an_alias():
    rows = [["email", "e-mail", "name_latin"], ["a@example.org", "b@example.org", "A"]]
    assert found(read(excel.csv_utf8(rows))) == [(1, "email", "duplicate_column")]


def test_unknown_columns_allowed_are_named_only_when_one_is_missing():
    schema = Schema(columns=SCHEMA.columns, unknown_allowed=True)
    rows = [["email", "name_latin", "comments"], ["a@example.org", "A", "x"]]
    reading = read(excel.csv_utf8(rows), schema=schema)
    assert found(reading) == [] and reading.ignored == ["comments"]
    rows = [["email", "comments"], ["a@example.org", "x"]]
    assert found(read(excel.csv_utf8(rows), schema=schema)) == [
        (1, "comments", "unknown_column"),
        (1, "name_latin", "missing_column_aliases"),
    ]


def test_value_in_a_column_without_a_header():
    text = "email,name_latin\r\na@example.org,SOK, Dara\r\n"
    assert found(read(text.encode())) == [(2, WHOLE_ROW, "unnamed_value")]


def test_header_only_reads_no_further():
    rows = [HEADER] + [["a@example.org", "", "A", ""]] * 30 + [[",", "", "??? ??", ""]]
    reading = read(excel.csv_utf8(rows), header_only=True)
    assert reading.errors == [] and reading.rows == []
    assert [use.headers for use in reading.columns][0] == ("email",)
    assert found(read(excel.csv_utf8(rows))) == [(32, "name_latin", "mangled_text")]


# Limits ---------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_the_zip_directory():
    data = excel.zip_bomb_xlsx(tabular.XLSX_MAX_UNPACKED_BYTES + 1024 * 1024)
    assert len(data) < 200_000  # Small to upload, 33 MB once unpacked.
    started = time.perf_counter()
    reading = read(data, "learners.xlsx")
    elapsed = time.perf_counter() - started
    assert found(reading) == [(None, WHOLE_ROW, "xlsx_too_large")]
    # Refused without parsing: parsing 33 MB of XML takes seconds, not this.
    assert elapsed < 1, elapsed
    with translation.override("en"):
        assert reading.errors[0].message == (
            "The workbook is too large: it unpacks to more than 32 MB."
        )


def test_a_workbook_under_the_unpacked_limit_is_read():
    data = excel.zip_bomb_xlsx(tabular.XLSX_MAX_UNPACKED_BYTES - 1024 * 1024)
    reading = read(data, "learners.xlsx", schema=Schema(columns=(Column("email"),)))
    assert found(reading) == [(2, WHOLE_ROW, "no_rows")]


def test_a_sheet_declaring_too_many_cells_is_refused_before_parsing():
    # Declares 26 x 10,000 cells; holds two rows whose data would be valid.
    data = excel.declared_size_xlsx("A1:Z10000", [HEADER, ROWS[1]])
    assert found(read(data, "f.xlsx")) == [(None, WHOLE_ROW, "too_many_cells")]
    data = excel.declared_size_xlsx("A1:D2", [HEADER, ROWS[1]])
    assert table(read(data, "f.xlsx")) == [EXPECTED[0]]


def test_a_sheet_that_declares_less_than_it_holds_is_counted(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_CELLS", 100)
    rows = [HEADER] + [["a@example.org", "", "A", ""]] * 30  # 124 cells
    data = excel.declared_size_xlsx("A1:A1", rows)
    assert found(read(data, "f.xlsx")) == [(None, WHOLE_ROW, "too_many_cells")]
    assert found(read(excel.csv_utf8(rows))) == [(None, WHOLE_ROW, "too_many_cells")]
    assert found(read(excel.csv_utf8(rows[:25]))) == []


@pytest.mark.parametrize(
    "data", [b"this is not a workbook", b"PK\x03\x04 broken", b"PK\x03\x04" * 9]
)
def test_unreadable_workbooks(data):
    assert found(read(data, "f.xlsx")) == [(None, WHOLE_ROW, "bad_xlsx")]


def test_truncated_workbook():
    data = excel.openpyxl_xlsx(ROWS)
    assert found(read(data[: len(data) // 2], "f.xlsx")) == [
        (None, WHOLE_ROW, "bad_xlsx")
    ]


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("Learners.XLSX", "xlsx"),
        ("learners.csv", "csv"),
        ("learners.txt", "csv"),  # Excel's "Unicode Text"
        ("learners.tsv", "csv"),
        ("learners.ods", None),
        ("learners", None),
    ],
)
def test_format_from_filename(filename, fmt):
    assert tabular.format_from_filename(filename) == fmt


def test_unsupported_type():
    assert found(read(b"email\n", "learners.ods")) == [
        (None, WHOLE_ROW, "unsupported_type")
    ]


# Errors ---------------------------------------------------------------------------


def test_errors_are_stored_as_codes_and_read_in_the_readers_language():
    error = RowError(1, WHOLE_ROW, "empty_file")
    stored = error.as_dict()
    assert stored == {"row": 1, "column": WHOLE_ROW, "code": "empty_file", "params": {}}
    # An import job stored before this module existed holds the same keys.
    again = RowError.from_dict({"row": 1, "column": WHOLE_ROW, "code": "empty_file"})
    assert again == error
    with translation.override("en"):
        english = again.message
    with translation.override("km"):
        khmer = again.message
    assert english == "The file is empty." and khmer != english
    with translation.override("en"):
        assert str(again) == "Row 1, column —: The file is empty."


def test_every_message_is_translated_when_read_not_when_imported():
    from django.utils.functional import Promise

    import cohorts.enrolment_file  # noqa: F401 - registers its messages
    import competencies.framework_io  # noqa: F401 - likewise

    eager = [
        code
        for code, text in tabular.MESSAGES.items()
        if not isinstance(text, Promise) and code != "test_only_code"
    ]
    assert eager == []


def test_a_message_code_belongs_to_one_module():
    tabular.register_messages("tests.test_tabular", {"test_only_code": "Mine."})
    tabular.register_messages("tests.test_tabular", {"test_only_code": "Mine."})
    with pytest.raises(ValueError, match="empty_file"):
        tabular.register_messages("elsewhere", {"empty_file": "Another text."})
    with translation.override("en"):
        assert str(tabular.MESSAGES["empty_file"]) == "The file is empty."


def test_sort_errors_by_row_then_column_order():
    errors = [
        RowError(3, "email", "required"),
        RowError(2, "note", "required"),
        RowError(2, WHOLE_ROW, "unnamed_value"),
        RowError(None, WHOLE_ROW, "bad_xlsx"),
        RowError(2, "email", "required"),
    ]
    ordered = tabular.sort_errors(errors, ("email", "note"))
    assert [(e.row, e.column) for e in ordered] == [
        (None, WHOLE_ROW),
        (2, WHOLE_ROW),
        (2, "email"),
        (2, "note"),
        (3, "email"),
    ]
