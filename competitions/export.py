"""Tables for the scholarship committee as CSV or XLSX. Pure: no ORM, no request.

A cell whose text starts with = + - @ (or a tab or carriage return) would be read
by a spreadsheet as a formula; such text, a name or a student ID typed by a
student, is made inert by ``lms.tabular`` (an apostrophe in CSV, a text cell in
XLSX). Numbers are written as numbers.
"""

import codecs
import io
from collections.abc import Sequence

import pandas as pd

from lms import tabular

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_table(
    columns: Sequence[str], rows: Sequence[Sequence], *, fmt: str, sheet: str
) -> bytes:
    """The table as CSV (UTF-8 with BOM, so spreadsheets show Khmer) or XLSX."""
    frame = pd.DataFrame([list(row) for row in rows], columns=[str(c) for c in columns])
    if fmt == "csv":
        safe = frame.map(tabular.csv_value)
        safe.columns = [tabular.csv_value(column) for column in frame.columns]
        text = safe.to_csv(index=False, lineterminator="\r\n")
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        sheet = sheet[:31]
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=sheet)
            worksheet = writer.sheets[sheet]
            tabular.xlsx_texts_kept(worksheet)
            for column in worksheet.columns:
                width = max(len(str(cell.value or "")) for cell in column)
                worksheet.column_dimensions[column[0].column_letter].width = min(
                    max(width, 8) + 2, 50
                )
            worksheet.freeze_panes = "A2"
        return buffer.getvalue()
    raise ValueError(f"Unknown format {fmt!r}; expected one of {FORMATS}")
