"""The committee's tables: formulas neutralised, Khmer kept, numbers as numbers."""

import codecs
import csv
import io

import openpyxl
import pytest

from competitions.export import write_table
from lms.tabular import csv_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+855 12 345", "'+855 12 345"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("សុខ ដារា", "សុខ ដារា"),
        ("a=b", "a=b"),
        (-1, -1),
        (None, None),
    ],
)
def test_csv_values_are_neutralised(value, expected):
    assert csv_value(value) == expected


def test_csv_and_xlsx_keep_khmer_and_numbers():
    columns = ["Rank", "Name", "=evil header"]
    rows = [[1, "សុខ ដារា", "=2+3"], [2, "SOK Dara", 4.5]]
    data = write_table(columns, rows, fmt="csv", sheet="ranking")
    assert data.startswith(codecs.BOM_UTF8)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [
        ["Rank", "Name", "'=evil header"],
        ["1", "សុខ ដារា", "'=2+3"],
        ["2", "SOK Dara", "4.5"],
    ]
    book = openpyxl.load_workbook(
        io.BytesIO(write_table(columns, rows, fmt="xlsx", sheet="ranking"))
    )
    sheet = book["ranking"]
    # In XLSX the text is kept as typed, in a text cell: never run, no apostrophe.
    assert [c.value for c in sheet[1]] == ["Rank", "Name", "=evil header"]
    assert [c.value for c in sheet[2]] == [1, "សុខ ដារា", "=2+3"]
    assert sheet["C1"].data_type == sheet["C2"].data_type == "s"
    assert sheet["C3"].value == 4.5


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        write_table(["a"], [[1]], fmt="ods", sheet="x")
