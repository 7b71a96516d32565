"""Read and check an enrolment file, with no database.

The file is one table, in CSV (UTF-8, with or without the BOM Excel writes) or XLSX
(first sheet), with a header row naming the columns in ``COLUMNS`` (``phone`` and
``language`` may be left out). Row numbers are those a spreadsheet shows: the
header is row 1. Every check collects all the errors it finds.

An error is stored as a message code and its parameters, so that it is shown in
the language of whoever reads it, whenever they read it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

COLUMNS = (
    "email",
    "full_name_km",
    "full_name_latin",
    "institution",
    "position",
    "phone",
    "cohort",
    "language",
)
OPTIONAL = frozenset({"phone", "language"})
REQUIRED = tuple(column for column in COLUMNS if column not in OPTIONAL)
# Header spellings people type, once lower-cased and with spaces and dashes
# turned into underscores.
ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "name_km": "full_name_km",
    "full_name_khmer": "full_name_km",
    "name_latin": "full_name_latin",
    "full_name_in_latin_script": "full_name_latin",
    "full_name_in_khmer": "full_name_km",
    "phone_number": "phone",
    "preferred_language": "language",
}
WHOLE_ROW = "—"
LANGUAGES = ("km", "en")
MAX_LENGTH = {
    "email": 254,
    "full_name_km": 150,
    "full_name_latin": 150,
    "position": 150,
    "phone": 32,
}
XLSX_MAGIC = b"PK\x03\x04"
FORMULA_PREFIXES = ("=", "+", "-", "@")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,30}$")

MESSAGES = {
    "unsupported_type": _(
        "Unsupported file type “%(name)s”: upload a .csv or an .xlsx file."
    ),
    "empty_file": _("The file is empty."),
    "no_rows": _("The file has no data rows below the header."),
    "not_utf8": _(
        "The file is not in UTF-8: this row holds the first character that cannot "
        "be read. Save the file as “CSV UTF-8” and upload it again."
    ),
    "bad_csv": _("This row cannot be read as CSV: %(reason)s"),
    "bad_xlsx": _("The file cannot be read as an Excel workbook (.xlsx): %(reason)s"),
    "missing_column": _("The required column is missing."),
    "duplicate_column": _("This column appears more than once."),
    "unknown_column": _("Unknown column “%(name)s”. The columns are: %(columns)s."),
    "unnamed_value": _(
        "This row has a value in a column without a header; a value that contains "
        "a comma must be put in quotes."
    ),
    "required": _("This cell is empty; it is required."),
    "too_long": _("This value is longer than %(max)s characters."),
    "bad_email": _("“%(value)s” is not a valid e-mail address."),
    "duplicate_email": _(
        "The e-mail address %(value)s is already on row %(first)s of the file."
    ),
    "formula": _(
        "This value begins with %(char)s, which spreadsheets run as a formula; "
        "remove that character."
    ),
    "bad_phone": _(
        "“%(value)s” is not a phone number: use digits, spaces and an optional "
        "leading +."
    ),
    "bad_language": _("Unknown language “%(value)s”: use km or en."),
    "unknown_institution": _(
        "Unknown institution “%(value)s”: use the code or the name of an "
        "institution on Sala."
    ),
    "unknown_cohort": _(
        "Unknown cohort “%(value)s”: use the code or the name of one of your cohorts."
    ),
    "email_taken": _(
        "The e-mail address %(value)s belongs to another account as a secondary "
        "address."
    ),
}


@dataclass
class RowError:
    """One problem, where a spreadsheet user can find it. ``row`` is None for a
    problem with the file as a whole."""

    row: int | None
    column: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        template = MESSAGES[self.code]
        return str(template) % dict(self.params) if self.params else str(template)

    @property
    def row_label(self) -> str:
        return WHOLE_ROW if self.row is None else str(self.row)

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> RowError:
        return cls(
            row=data.get("row"),
            column=data.get("column", WHOLE_ROW),
            code=data["code"],
            params=data.get("params") or {},
        )


@dataclass(frozen=True)
class EnrolmentRow:
    """One data row, its cells stripped of surrounding blanks."""

    row: int
    email: str
    full_name_km: str = ""
    full_name_latin: str = ""
    institution: str = ""
    position: str = ""
    phone: str = ""
    cohort: str = ""
    language: str = ""

    @property
    def email_key(self) -> str:
        return self.email.strip().lower()


@dataclass
class ParsedFile:
    rows: list[EnrolmentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def normalise_header(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


def lookup_key(value: str) -> str:
    """How institution and cohort names are matched: case and spacing ignored."""
    return " ".join(value.split()).casefold()


# Reading ------------------------------------------------------------------------


def read_table(data: bytes, *, filename: str = "") -> ParsedFile:
    """The rows of an uploaded file, or the errors that make it unreadable."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = suffix if suffix in ("csv", "xlsx") else None
    if data.startswith(XLSX_MAGIC):
        fmt = "xlsx"  # A workbook is a zip archive, whatever its name says.
    if fmt is None:
        return ParsedFile(
            errors=[RowError(None, WHOLE_ROW, "unsupported_type", {"name": filename})]
        )
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        return ParsedFile(errors=[RowError(1, WHOLE_ROW, "empty_file")])
    frame, errors = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    if errors:
        return ParsedFile(errors=errors)
    return _rows_from_frame(frame)


def _record_count(text: str) -> int:
    return sum(1 for _record in csv.reader(io.StringIO(text, newline="")))


def _read_csv(data: bytes) -> tuple[pd.DataFrame | None, list[RowError]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, [RowError(1, WHOLE_ROW, "not_utf8")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    # UTF-16 without a BOM decodes as UTF-8, but is full of NUL bytes.
    nul = data.find(b"\x00")
    end = nul if nul >= 0 else len(data)
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        return None, [RowError(_record_count(prefix + "\ufffd"), WHOLE_ROW, "not_utf8")]
    if nul >= 0:
        return None, [RowError(_record_count(text + "\ufffd"), WHOLE_ROW, "not_utf8")]
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                delimiter = candidate
                break
    # pandas reads the table; the csv module numbers records as a spreadsheet
    # numbers rows, even when a quoted cell spans several lines.
    records = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record)
    except csv.Error as exc:
        return None, [
            RowError(len(records) + 1, WHOLE_ROW, "bad_csv", {"reason": str(exc)})
        ]
    width = max((len(record) for record in records), default=0)
    padded = [record + [""] * (width - len(record)) for record in records]
    return pd.DataFrame(padded, dtype=str), []


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[RowError]]:
    try:
        frame = pd.read_excel(
            io.BytesIO(data),
            sheet_name=0,
            header=None,
            dtype=str,
            keep_default_na=False,
            engine="openpyxl",
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "not a workbook"
        return None, [
            RowError(
                None,
                WHOLE_ROW,
                "bad_xlsx",
                {"reason": str(exc) or exc.__class__.__name__},
            )
        ]
    if frame.empty:
        return None, [RowError(1, WHOLE_ROW, "empty_file")]
    return frame, []


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _rows_from_frame(frame: pd.DataFrame) -> ParsedFile:
    frame = frame.map(_clean)
    header = [normalise_header(cell) for cell in frame.iloc[0].tolist()]
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    name,
                    "unknown_column",
                    {"name": name, "columns": ", ".join(COLUMNS)},
                )
            )
        elif name in positions:
            errors.append(RowError(1, name, "duplicate_column"))
        else:
            positions[name] = position
    for column in REQUIRED:
        if column not in positions:
            errors.append(RowError(1, column, "missing_column"))
    if errors:
        return ParsedFile(errors=errors)
    unnamed = [position for position, name in enumerate(header) if not name]
    rows: list[EnrolmentRow] = []
    values = frame.to_numpy().tolist()
    for index in range(1, len(values)):
        cells = values[index]
        if not any(cells):
            continue
        number = index + 1
        if any(cells[position] for position in unnamed):
            errors.append(RowError(number, WHOLE_ROW, "unnamed_value"))
        rows.append(
            EnrolmentRow(
                row=number,
                **{column: cells[position] for column, position in positions.items()},
            )
        )
    if not rows and not errors:
        errors.append(RowError(2, WHOLE_ROW, "no_rows"))
    return ParsedFile(rows=rows, errors=errors)


# Checking -----------------------------------------------------------------------


def row_errors(
    row: EnrolmentRow,
    *,
    institutions: Mapping[str, object],
    cohorts: Mapping[str, object],
) -> list[RowError]:
    """The problems of one row, by itself. ``institutions`` and ``cohorts`` map
    each accepted spelling (see ``lookup_key``) to the thing it names."""
    errors = []
    for column in ("email", "full_name_km", "full_name_latin", "institution"):
        errors.extend(_text_errors(row, column))
    errors.extend(_text_errors(row, "position"))
    errors.extend(_text_errors(row, "cohort"))
    if row.email and not any(e.column == "email" for e in errors):
        try:
            validate_email(row.email)
        except ValidationError:
            errors.append(RowError(row.row, "email", "bad_email", {"value": row.email}))
    if row.phone and not PHONE_RE.match(row.phone):
        errors.append(RowError(row.row, "phone", "bad_phone", {"value": row.phone}))
    elif len(row.phone) > MAX_LENGTH["phone"]:
        errors.append(
            RowError(row.row, "phone", "too_long", {"max": MAX_LENGTH["phone"]})
        )
    if row.language and row.language.lower() not in LANGUAGES:
        errors.append(
            RowError(row.row, "language", "bad_language", {"value": row.language})
        )
    if row.institution and not _has_error(errors, "institution"):
        if lookup_key(row.institution) not in institutions:
            errors.append(
                RowError(
                    row.row,
                    "institution",
                    "unknown_institution",
                    {"value": row.institution},
                )
            )
    if row.cohort and not _has_error(errors, "cohort"):
        if lookup_key(row.cohort) not in cohorts:
            errors.append(
                RowError(row.row, "cohort", "unknown_cohort", {"value": row.cohort})
            )
    return errors


def _has_error(errors, column) -> bool:
    return any(error.column == column for error in errors)


def _text_errors(row: EnrolmentRow, column: str) -> list[RowError]:
    value = getattr(row, column)
    if not value:
        return [RowError(row.row, column, "required")]
    if value.startswith(FORMULA_PREFIXES):
        return [RowError(row.row, column, "formula", {"char": value[0]})]
    limit = MAX_LENGTH.get(column)
    if limit and len(value) > limit:
        return [RowError(row.row, column, "too_long", {"max": limit})]
    return []


def duplicate_errors(rows: list[EnrolmentRow]) -> list[RowError]:
    """A person appears once per file: a second row with the same address is an
    error, whatever the case of the letters."""
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        key = row.email_key
        if not key:
            continue
        if key in first:
            errors.append(
                RowError(
                    row.row,
                    "email",
                    "duplicate_email",
                    {"value": row.email, "first": first[key]},
                )
            )
        else:
            first[key] = row.row
    return errors


def sort_errors(errors: list[RowError]) -> list[RowError]:
    def key(error):
        order = COLUMNS.index(error.column) if error.column in COLUMNS else -1
        return (error.row or 0, order)

    return sorted(errors, key=key)


def template_csv() -> bytes:
    """An empty enrolment file: the header row, UTF-8 with a BOM for Excel."""
    return codecs.BOM_UTF8 + (",".join(COLUMNS) + "\r\n").encode("utf-8")
