"""Read, check and write the one-table framework file, with no database.

The file is one table, the same in CSV (UTF-8, with or without BOM) and XLSX (first
sheet), with the columns in ``COLUMNS``. ``type`` is ``level``, ``area`` or
``competence``; levels are listed from the lowest to the highest; ``parent`` is the
area code of a competence and empty otherwise.

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is
row 2. Every check collects all the errors it finds instead of stopping at the first.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext_lazy as _

COLUMNS = (
    "type",
    "code",
    "parent",
    "name_en",
    "name_km",
    "description_en",
    "description_km",
    "source",
)
LEVEL, AREA, COMPETENCE = "level", "area", "competence"
TYPES = (LEVEL, AREA, COMPETENCE)
FORMATS = ("csv", "xlsx")
# Shown in the column of an error about a whole row or the whole file.
WHOLE_ROW = "—"

CODE_MAX_LENGTH = 20
NAME_MAX_LENGTH = {LEVEL: 100, AREA: 255, COMPETENCE: 255}

XLSX_MAGIC = b"PK\x03\x04"
XLSX_SHEET_NAME = "framework"
XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024

# The fields each kind of row sets on its model, besides the code.
TEXT_FIELDS = ("name_en", "name_km", "description_en", "description_km", "source")
LEVEL_FIELDS = ("rank", *TEXT_FIELDS)
AREA_FIELDS = ("sort_order", *TEXT_FIELDS)
COMPETENCE_FIELDS = ("area", "sort_order", *TEXT_FIELDS)


@dataclass
class RowError:
    """One problem in the file, where a spreadsheet user can find it.

    ``row`` is None for a problem with the file as a whole (an unreadable workbook)
    or with the framework chosen for it. ``template`` is a lazy translatable string
    with named placeholders filled from ``params`` when the message is read, so it
    is shown in the language active at that time.
    """

    row: int | None
    column: str
    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        if self.params:
            return str(self.template) % dict(self.params)
        return str(self.template)

    @property
    def row_label(self) -> str:
        return WHOLE_ROW if self.row is None else str(self.row)

    def __str__(self) -> str:
        return str(
            _("Row %(row)s, column %(column)s: %(message)s")
            % {"row": self.row_label, "column": self.column, "message": self.message}
        )


@dataclass(frozen=True)
class FrameworkRow:
    """One data row of the file, its cells stripped of surrounding blanks."""

    row: int
    type: str
    code: str
    parent: str = ""
    name_en: str = ""
    name_km: str = ""
    description_en: str = ""
    description_km: str = ""
    source: str = ""

    def cells(self) -> tuple[str, ...]:
        return tuple(getattr(self, column) for column in COLUMNS)


@dataclass
class ParsedFile:
    rows: list[FrameworkRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def format_from_filename(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix if suffix in FORMATS else None


# Reading ------------------------------------------------------------------------


def read_table(
    data: bytes, *, filename: str = "", fmt: str | None = None
) -> ParsedFile:
    """Turn the bytes of an uploaded file into rows, or into errors if unreadable."""
    fmt = fmt or format_from_filename(filename)
    if data.startswith(XLSX_MAGIC):
        # A workbook is a zip archive, whatever its name says.
        fmt = "xlsx"
    if fmt is None:
        return ParsedFile(
            errors=[
                RowError(
                    None,
                    WHOLE_ROW,
                    _(
                        "Unsupported file type “%(name)s”: upload a .csv or an .xlsx "
                        "file."
                    ),
                    {"name": filename},
                )
            ]
        )
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        return ParsedFile(errors=[RowError(1, WHOLE_ROW, _("The file is empty."))])
    if fmt == "xlsx":
        frame, errors = _read_xlsx(data)
    else:
        frame, errors = _read_csv(data)
    if errors:
        return ParsedFile(errors=errors)
    return _rows_from_frame(frame)


def _record_count(text: str) -> int:
    """How many CSV records (spreadsheet rows) the text spans."""
    return sum(1 for _record in csv.reader(io.StringIO(text, newline="")))


def _not_utf8(row: int) -> RowError:
    return RowError(
        row,
        WHOLE_ROW,
        _(
            "The file is not in UTF-8: this row holds the first character that "
            "cannot be read. Save the file as “CSV UTF-8” and upload it again."
        ),
    )


def _read_csv(data: bytes) -> tuple[pd.DataFrame | None, list[RowError]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, [_not_utf8(1)]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    # UTF-16 without a BOM is valid UTF-8 byte by byte, but full of NUL bytes.
    nul = data.find(b"\x00")
    end = nul if nul >= 0 else len(data)
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        return None, [_not_utf8(_record_count(prefix + "\ufffd"))]
    if nul >= 0:
        return None, [_not_utf8(_record_count(text + "\ufffd"))]

    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                delimiter = candidate
                break
    # The csv module counts records as a spreadsheet counts rows, even when a
    # quoted cell spans several lines; pandas then holds the table.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        return None, [
            RowError(
                len(records) + 1,
                WHOLE_ROW,
                _("This row cannot be read as CSV: %(reason)s"),
                {"reason": str(exc)},
            )
        ]
    width = max((len(record) for record in records), default=0)
    padded = [record + [""] * (width - len(record)) for record in records]
    return pd.DataFrame(padded, dtype=str), []


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[RowError]]:
    # A workbook is a zip archive: refuse one that would unpack to far more than
    # any framework needs before a parser expands it in memory.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        unpacked = 0
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        return None, [
            RowError(
                None,
                WHOLE_ROW,
                _("The workbook is too large: it unpacks to more than %(size)s MB."),
                {"size": XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)},
            )
        ]
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
                _("The file cannot be read as an Excel workbook (.xlsx): %(reason)s"),
                {"reason": str(exc) or exc.__class__.__name__},
            )
        ]
    if frame.empty:
        return None, [RowError(1, WHOLE_ROW, _("The file is empty."))]
    return frame, []


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _rows_from_frame(frame: pd.DataFrame) -> ParsedFile:
    frame = frame.map(_clean)
    header = [cell.lower() for cell in frame.iloc[0].tolist()]
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name in positions and name in COLUMNS:
            errors.append(
                RowError(1, name, _("This column appears more than once."), {})
            )
            continue
        positions.setdefault(name, position)
    for column in COLUMNS:
        if column not in positions:
            errors.append(RowError(1, column, _("The required column is missing.")))
    if errors:
        return ParsedFile(errors=errors)

    unnamed = [position for position, name in enumerate(header) if not name]
    rows: list[FrameworkRow] = []
    for index in range(1, len(frame)):
        cells = frame.iloc[index].tolist()
        if not any(cells):
            continue
        number = index + 1
        if any(cells[position] for position in unnamed):
            errors.append(
                RowError(
                    number,
                    WHOLE_ROW,
                    _(
                        "This row has a value in a column without a header; a value "
                        "that contains a comma must be put in quotes."
                    ),
                )
            )
        values = {column: cells[positions[column]] for column in COLUMNS}
        values["type"] = values["type"].lower()
        rows.append(FrameworkRow(row=number, **values))
    if not rows and not errors:
        errors.append(
            RowError(2, WHOLE_ROW, _("The file has no data rows below the header."))
        )
    return ParsedFile(rows=rows, errors=errors)


# Checking -----------------------------------------------------------------------


def validate_rows(
    rows: Iterable[FrameworkRow], *, existing_area_codes: Iterable[str] = ()
) -> list[RowError]:
    """Every problem in the rows; a competence may belong to an area already saved."""
    rows = list(rows)
    errors: list[RowError] = []
    area_codes = {row.code for row in rows if row.type == AREA and row.code}
    area_codes.update(existing_area_codes)
    first_row: dict[tuple[str, str], int] = {}

    for row in rows:
        if row.type not in TYPES:
            if row.type:
                message = _("Unknown type “%(value)s”: use level, area or competence.")
            else:
                message = _("The type is empty: use level, area or competence.")
            errors.append(RowError(row.row, "type", message, {"value": row.type}))

        if not row.code:
            errors.append(RowError(row.row, "code", _("The code is empty.")))
        elif len(row.code) > CODE_MAX_LENGTH:
            errors.append(
                RowError(
                    row.row,
                    "code",
                    _("The code is longer than %(max)s characters."),
                    {"max": CODE_MAX_LENGTH},
                )
            )
        elif row.type in TYPES:
            key = (row.type, row.code)
            if key in first_row:
                errors.append(
                    RowError(
                        row.row,
                        "code",
                        _(
                            "Duplicate %(type)s code “%(code)s”: rows %(first)s and "
                            "%(row)s have the same code."
                        ),
                        {
                            "type": row.type,
                            "code": row.code,
                            "first": first_row[key],
                            "row": row.row,
                        },
                    )
                )
            else:
                first_row[key] = row.row

        max_length = NAME_MAX_LENGTH.get(row.type, NAME_MAX_LENGTH[AREA])
        for column, empty_message in (
            ("name_en", _("The English name is empty.")),
            ("name_km", _("The Khmer name is empty.")),
        ):
            value = getattr(row, column)
            if not value:
                errors.append(RowError(row.row, column, empty_message))
            elif len(value) > max_length:
                errors.append(
                    RowError(
                        row.row,
                        column,
                        _("The name is longer than %(max)s characters."),
                        {"max": max_length},
                    )
                )

        if row.type in (LEVEL, AREA) and row.parent:
            errors.append(
                RowError(
                    row.row,
                    "parent",
                    _("A %(type)s has no parent: leave this cell empty."),
                    {"type": row.type},
                )
            )
        elif row.type == COMPETENCE:
            if not row.parent:
                errors.append(
                    RowError(
                        row.row,
                        "parent",
                        _("A competence needs the code of its area in this cell."),
                    )
                )
            elif row.parent not in area_codes:
                errors.append(
                    RowError(
                        row.row,
                        "parent",
                        _(
                            "Unknown area “%(code)s”: no area has this code, in the "
                            "file or in the framework."
                        ),
                        {"code": row.parent},
                    )
                )
    return errors


def parse_and_validate(
    data: bytes,
    *,
    filename: str = "",
    fmt: str | None = None,
    existing_area_codes: Iterable[str] = (),
) -> ParsedFile:
    """Read the file and check its rows: all the errors, or rows fit to import."""
    parsed = read_table(data, filename=filename, fmt=fmt)
    if parsed.rows:
        parsed.errors.extend(
            validate_rows(parsed.rows, existing_area_codes=existing_area_codes)
        )
        parsed.errors.sort(key=lambda error: (error.row or 0, _column_order(error)))
    return parsed


def _column_order(error: RowError) -> int:
    return COLUMNS.index(error.column) if error.column in COLUMNS else -1


# Planning -----------------------------------------------------------------------


@dataclass
class Changes:
    """What an import does to one kind of row, by code, in file order."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # In the framework but not in the file: levels are kept as they are; clusters
    # and competences are retired (``retire``), or were already (``retired``).
    absent: list[str] = field(default_factory=list)
    retire: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    # Retired before and listed again by the file: brought back (also "updated").
    restored: list[str] = field(default_factory=list)

    def status(self, code: str) -> str:
        for name in ("created", "updated", "unchanged"):
            if code in getattr(self, name):
                return name
        return "absent"


@dataclass
class ExistingFramework:
    """The saved state of a framework, as plain values keyed by code.

    Each mapping goes from a code to the values of ``LEVEL_FIELDS``,
    ``AREA_FIELDS`` or ``COMPETENCE_FIELDS`` (a competence's ``area`` is the area
    code).
    """

    levels: dict[str, dict] = field(default_factory=dict)
    areas: dict[str, dict] = field(default_factory=dict)
    competences: dict[str, dict] = field(default_factory=dict)
    # (kind, code) of the clusters and competences already retired.
    retired: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class ImportPlan:
    """The values each row must end with, and how they differ from what is saved.

    ``level_ranks`` holds the final rank of every level, those absent from the file
    included: they follow the file's levels in their former order, so ranks stay
    unique.
    """

    levels: Changes = field(default_factory=Changes)
    areas: Changes = field(default_factory=Changes)
    competences: Changes = field(default_factory=Changes)
    level_values: dict[str, dict] = field(default_factory=dict)
    area_values: dict[str, dict] = field(default_factory=dict)
    competence_values: dict[str, dict] = field(default_factory=dict)
    level_ranks: dict[str, int] = field(default_factory=dict)

    def changes_for(self, kind: str) -> Changes:
        return {LEVEL: self.levels, AREA: self.areas, COMPETENCE: self.competences}[
            kind
        ]


def _texts(row: FrameworkRow) -> dict:
    return {name: getattr(row, name) for name in TEXT_FIELDS}


def plan_import(
    rows: Iterable[FrameworkRow], existing: ExistingFramework
) -> ImportPlan:
    """Compare valid rows with the saved framework. Order in the file sets the
    levels' ranks, the areas' order and each area's competences' order."""
    plan = ImportPlan()
    competence_counts: dict[str, int] = {}
    for row in rows:
        if row.type == LEVEL:
            values = {"rank": len(plan.level_values) + 1, **_texts(row)}
            plan.level_values[row.code] = values
        elif row.type == AREA:
            values = {"sort_order": len(plan.area_values) + 1, **_texts(row)}
            plan.area_values[row.code] = values
        elif row.type == COMPETENCE:
            competence_counts[row.parent] = competence_counts.get(row.parent, 0) + 1
            values = {
                "area": row.parent,
                "sort_order": competence_counts[row.parent],
                **_texts(row),
            }
            plan.competence_values[row.code] = values

    absent_levels = sorted(
        (code for code in existing.levels if code not in plan.level_values),
        key=lambda code: existing.levels[code]["rank"],
    )
    plan.level_ranks = {
        code: values["rank"] for code, values in plan.level_values.items()
    }
    for offset, code in enumerate(absent_levels, start=len(plan.level_values) + 1):
        plan.level_ranks[code] = offset

    for kind, changes, wanted, saved in (
        (LEVEL, plan.levels, plan.level_values, existing.levels),
        (AREA, plan.areas, plan.area_values, existing.areas),
        (COMPETENCE, plan.competences, plan.competence_values, existing.competences),
    ):
        retired = (
            set()
            if kind == LEVEL
            else {code for code in saved if (kind, code) in existing.retired}
        )
        for code, values in wanted.items():
            if code not in saved:
                changes.created.append(code)
            elif code in retired:
                changes.updated.append(code)
                changes.restored.append(code)
            elif any(saved[code].get(key) != value for key, value in values.items()):
                changes.updated.append(code)
            else:
                changes.unchanged.append(code)
        changes.absent.extend(code for code in saved if code not in wanted)
        if kind != LEVEL:
            changes.retire.extend(c for c in changes.absent if c not in retired)
            changes.retired.extend(c for c in changes.absent if c in retired)
    return plan


# Writing ------------------------------------------------------------------------


def rows_to_frame(rows: Iterable[FrameworkRow]) -> pd.DataFrame:
    return pd.DataFrame([row.cells() for row in rows], columns=list(COLUMNS), dtype=str)


def write_table(rows: Iterable[FrameworkRow], *, fmt: str) -> bytes:
    """The rows as a CSV (UTF-8 with BOM, so spreadsheets show Khmer) or XLSX file."""
    frame = rows_to_frame(rows)
    if fmt == "csv":
        text = frame.to_csv(index=False, lineterminator="\r\n")
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=XLSX_SHEET_NAME)
            sheet = writer.sheets[XLSX_SHEET_NAME]
            for column in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(
                    max(width, 8) + 2, 60
                )
        return buffer.getvalue()
    raise ValueError(f"Unknown format {fmt!r}; expected one of {FORMATS}")
