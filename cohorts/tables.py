"""The tables the dashboards show, and the same tables as CSV and XLSX files.

A page renders a ``Table`` and an export writes that very ``Table``, so the two
cannot disagree: same rows (the page's filters), same columns, same values. Numbers
stay numbers in XLSX. Text that a spreadsheet would run as a formula is made
inert by ``lms.tabular``: behind an apostrophe in CSV, a text cell in XLSX.

No database access here: the builders take what the selectors computed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cohorts.selectors import (
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    CohortDashboard,
    Rollup,
)
from lms import tabular


@dataclass
class TableCell:
    value: object  # str, int or None (an empty cell)
    css: str = ""
    title: str = ""
    url: str = ""  # the page links the cell; files show the value only

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass
class Column:
    label: str
    group: str = ""
    title: str = ""
    numeric: bool = False

    @property
    def heading(self) -> str:
        """The header of this column in a file: the group and the label."""
        return f"{self.group} — {self.label}" if self.group else self.label


@dataclass
class Table:
    name: str  # the sheet name
    columns: list[Column]
    rows: list[list[TableCell]] = field(default_factory=list)
    # Extra sheets for XLSX (a legend): (name, header, rows of plain values).
    notes: list[tuple[str, list[str], list[list]]] = field(default_factory=list)

    def header_groups(self) -> list[tuple[str, int]]:
        """Consecutive columns sharing a group, as (group, span), for a two-row
        header on the page."""
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            if groups and groups[-1][0] == column.group and column.group:
                groups[-1] = (column.group, groups[-1][1] + 1)
            else:
                groups.append((column.group, 1))
        return groups

    @property
    def has_groups(self) -> bool:
        return any(column.group for column in self.columns)


# --- Builders ------------------------------------------------------------------------


def _person_columns() -> list[Column]:
    return [Column(_("Name")), Column(_("E-mail"))]


Link = Callable[[object], str] | None


def _person_cells(user, link: Link = None) -> list[TableCell]:
    return [
        TableCell(user.display_name, url=link(user) if link else ""),
        TableCell(user.email),
    ]


def progress_table(dashboard: CohortDashboard, *, link: Link = None) -> Table:
    columns = _person_columns()
    for course in dashboard.courses:
        group = _("%(course)s (due %(date)s)") % {
            "course": course.title,
            "date": course.due_date.isoformat(),
        }
        columns.append(Column(_("Status"), group=group))
        columns.append(Column("%", group=group, numeric=True))
    columns.append(Column(_("Courses completed"), numeric=True))
    columns.append(Column(_("Courses overdue"), numeric=True))
    table = Table(name=_("Progress"), columns=columns)
    for row in dashboard.rows:
        cells = _person_cells(row.user, link)
        for cell in row.cells:
            cells.append(TableCell(cell.label, css=f"status status--{cell.status}"))
            cells.append(TableCell(cell.percent, css="number"))
        cells.append(TableCell(row.completed, css="number"))
        cells.append(TableCell(row.overdue, css="number"))
        table.rows.append(cells)
    table.notes.append(
        (
            _("Statuses"),
            [_("Status"), _("Meaning")],
            [
                [_("Not started"), _("Nothing done in the course yet.")],
                [_("In progress"), _("Started, not completed, due date not passed.")],
                [_("Completed"), _("Every requirement of the course is met.")],
                [_("Overdue"), _("Not completed and the due date has passed.")],
            ],
        )
    )
    return table


STATUS_ORDER = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE)


def heatmap_table(dashboard: CohortDashboard, *, link: Link = None) -> Table:
    levels = {level.rank: level for level in dashboard.levels}
    columns = _person_columns()
    for competence in dashboard.competences:
        columns.append(
            Column(
                competence.code,
                group=competence.area.name,
                title=competence.name,
                numeric=True,
            )
        )
    table = Table(name=_("Competences"), columns=columns)
    below = _("Below %(level)s") % {
        "level": dashboard.first_level.name if dashboard.first_level else "1"
    }
    for row in dashboard.rows:
        cells = _person_cells(row.user, link)
        for rank in row.levels:
            if rank is None:
                cells.append(TableCell(None, css="level level--none"))
            else:
                level = levels.get(rank)
                cells.append(
                    TableCell(
                        rank,
                        css=f"level level--{rank}",
                        title=level.name if level else below,
                    )
                )
        table.rows.append(cells)
    legend = [[0, below]] + [[lv.rank, lv.name] for lv in dashboard.levels]
    table.notes.append((_("Levels"), [_("Level"), _("Name")], legend))
    table.notes.append(
        (
            _("Competences"),
            [_("Code"), _("Competence"), _("Competency cluster")],
            [[c.code, c.name, c.area.name] for c in dashboard.competences],
        )
    )
    return table


def rollup_table(rollup: Rollup) -> Table:
    columns = [
        *_person_columns(),
        Column(_("Cohort")),
        Column(_("Required courses"), numeric=True),
        Column(_("Completed"), numeric=True),
        Column(_("In progress"), numeric=True),
        Column(_("Not started"), numeric=True),
        Column(_("Overdue"), numeric=True),
        Column(_("Completion (%)"), numeric=True),
    ]
    table = Table(name=_("Required training"), columns=columns)
    for row in rollup.rows:
        table.rows.append(
            [
                *_person_cells(row.user),
                TableCell(row.cohort.name),
                TableCell(row.required, css="number"),
                TableCell(row.counts[COMPLETED], css="number"),
                TableCell(row.counts[IN_PROGRESS], css="number"),
                TableCell(row.counts[NOT_STARTED], css="number"),
                TableCell(
                    row.counts[OVERDUE],
                    css="number" + (" status--overdue" if row.counts[OVERDUE] else ""),
                ),
                TableCell(row.completion_rate, css="number"),
            ]
        )
    return table


# --- Writers -------------------------------------------------------------------------

Progress = Callable[[int], None] | None
PROGRESS_EVERY = 200


def to_csv(table: Table, *, progress: Progress = None) -> bytes:
    """UTF-8 with a BOM, so that spreadsheets show Khmer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([tabular.csv_value(column.heading) for column in table.columns])
    for number, row in enumerate(table.rows, start=1):
        writer.writerow(
            [
                "" if cell.value is None else tabular.csv_value(cell.value)
                for cell in row
            ]
        )
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _sheet_title(name: str, taken: set) -> str:
    # Excel limits sheet names to 31 characters without []:*?/\.
    title = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, number = title, 2
    while title in taken:
        title = f"{base[:28]} {number}"
        number += 1
    taken.add(title)
    return title


def to_xlsx(table: Table, *, progress: Progress = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    taken: set = set()
    sheet = workbook.create_sheet(_sheet_title(table.name, taken))
    bold = Font(bold=True)
    for index, column in enumerate(table.columns):
        letter = _column_letter(index)
        width = 12 if column.numeric else 28
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"
    sheet.append(
        [
            tabular.xlsx_cell(sheet, column.heading, font=bold)
            for column in table.columns
        ]
    )
    for number, row in enumerate(table.rows, start=1):
        sheet.append([tabular.xlsx_cell(sheet, cell.value) for cell in row])
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    for name, head, rows in table.notes:
        note = workbook.create_sheet(_sheet_title(name, taken))
        note.append([tabular.xlsx_cell(note, value, font=bold) for value in head])
        for values in rows:
            note.append([tabular.xlsx_cell(note, value) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
