"""Read, check and write the one-table framework file, with no database.

The file is one table, the same in CSV and XLSX (first sheet), read by
``lms.tabular`` (encodings, limits and row numbers are explained there), with the
columns in ``COLUMNS``; other columns are not read. ``type`` is ``level``,
``area`` or ``competence``; levels are listed from the lowest to the highest;
``parent`` is the area code of a competence and empty otherwise. Cells keep their
line breaks (descriptions may have several lines).

Every check collects all the errors it finds instead of stopping at the first.
An error is a ``lms.tabular.RowError``: a code of ``MESSAGES`` (or of the
reader's) and its parameters, shown in the language active when it is read.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext_lazy as _

from lms import tabular
from lms.tabular import FORMATS, WHOLE_ROW, RowError  # noqa: F401

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
SCHEMA = tabular.Schema(
    columns=tuple(tabular.Column(name) for name in COLUMNS),
    unknown_allowed=True,
    fold_whitespace=False,
)
LEVEL, AREA, COMPETENCE = "level", "area", "competence"
TYPES = (LEVEL, AREA, COMPETENCE)

CODE_MAX_LENGTH = 20
NAME_MAX_LENGTH = {LEVEL: 100, AREA: 255, COMPETENCE: 255}

XLSX_SHEET_NAME = "framework"

# The fields each kind of row sets on its model, besides the code.
TEXT_FIELDS = ("name_en", "name_km", "description_en", "description_km", "source")
LEVEL_FIELDS = ("rank", *TEXT_FIELDS)
AREA_FIELDS = ("sort_order", *TEXT_FIELDS)
COMPETENCE_FIELDS = ("area", "sort_order", *TEXT_FIELDS)

MESSAGES = {
    "unknown_type": _("Unknown type “%(value)s”: use level, area or competence."),
    "empty_type": _("The type is empty: use level, area or competence."),
    "empty_code": _("The code is empty."),
    "code_too_long": _("The code is longer than %(max)s characters."),
    "duplicate_code": _(
        "Duplicate %(type)s code “%(code)s”: rows %(first)s and %(row)s have the "
        "same code."
    ),
    "empty_name_en": _("The English name is empty."),
    "empty_name_km": _("The Khmer name is empty."),
    "name_too_long": _("The name is longer than %(max)s characters."),
    "parent_not_allowed": _("A %(type)s has no parent: leave this cell empty."),
    "parent_required": _("A competence needs the code of its area in this cell."),
    "unknown_area": _(
        "Unknown area “%(code)s”: no area has this code, in the file or in the "
        "framework."
    ),
    # The framework a file is imported into (competencies.services).
    "no_framework": _("Choose a framework or give a code."),
    "bad_framework_code": _(
        "The framework code “%(code)s” may only contain letters, digits, hyphens "
        "and underscores."
    ),
    "framework_code_too_long": _("The framework code is too long."),
    "new_framework_name_en": _("A new framework needs an English name."),
    "new_framework_name_km": _("A new framework needs a Khmer name."),
}
tabular.register_messages(__name__, MESSAGES)


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


# Reading ------------------------------------------------------------------------


def read_table(
    data: bytes, *, filename: str = "", fmt: str | None = None
) -> ParsedFile:
    """Turn the bytes of an uploaded file into rows, or into errors if unreadable."""
    reading = tabular.read_table(data, schema=SCHEMA, filename=filename, fmt=fmt)
    rows = [
        FrameworkRow(row=row.row, **{**row.values, "type": row.values["type"].lower()})
        for row in reading.rows
    ]
    return ParsedFile(rows=rows, errors=reading.errors)


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
                errors.append(
                    RowError(row.row, "type", "unknown_type", {"value": row.type})
                )
            else:
                errors.append(RowError(row.row, "type", "empty_type"))

        if not row.code:
            errors.append(RowError(row.row, "code", "empty_code"))
        elif len(row.code) > CODE_MAX_LENGTH:
            errors.append(
                RowError(row.row, "code", "code_too_long", {"max": CODE_MAX_LENGTH})
            )
        elif row.type in TYPES:
            key = (row.type, row.code)
            if key in first_row:
                errors.append(
                    RowError(
                        row.row,
                        "code",
                        "duplicate_code",
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
        for column in ("name_en", "name_km"):
            value = getattr(row, column)
            if not value:
                errors.append(RowError(row.row, column, f"empty_{column}"))
            elif len(value) > max_length:
                errors.append(
                    RowError(
                        row.row,
                        column,
                        "name_too_long",
                        {"max": max_length},
                    )
                )

        if row.type in (LEVEL, AREA) and row.parent:
            errors.append(
                RowError(
                    row.row,
                    "parent",
                    "parent_not_allowed",
                    {"type": row.type},
                )
            )
        elif row.type == COMPETENCE:
            if not row.parent:
                errors.append(RowError(row.row, "parent", "parent_required"))
            elif row.parent not in area_codes:
                errors.append(
                    RowError(
                        row.row,
                        "parent",
                        "unknown_area",
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
        parsed.errors = tabular.sort_errors(parsed.errors, COLUMNS)
    return parsed


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
            # A name such as "=1+1" stays the text it is, never a formula.
            tabular.xlsx_texts_kept(sheet)
            for column in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(
                    max(width, 8) + 2, 60
                )
        return buffer.getvalue()
    raise ValueError(f"Unknown format {fmt!r}; expected one of {FORMATS}")
