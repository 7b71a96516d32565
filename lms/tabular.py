"""Spreadsheets in and out, one place for every importer and every export.

Reading (``read_table``) turns an uploaded CSV or XLSX file into the rows of one
table described by a ``Schema``, or into errors a spreadsheet user can act on:

- Row numbers are those a spreadsheet shows: the header is row 1, and a quoted
  CSV cell spanning several lines is one row.
- CSV is UTF-8, with or without the BOM Excel writes, or UTF-16 with its BOM
  (Excel's "Unicode Text", tab-separated). Anything else is refused on the row
  of the first character that cannot be read, naming Excel's "CSV UTF-8 (Comma
  delimited)" option, never guessed: a wrong guess stores wrong names. Excel's
  plain "CSV (Comma delimited)" writes Khmer as ``?``: a cell whose question
  marks outnumber its letters and digits is refused too, with the same hint.
- The delimiter is the comma, semicolon (European Excel) or tab found most often
  outside quotes in the first lines.
- XLSX (the first worksheet; a zip archive is read as one, whatever its name) is
  refused before parsing when it unpacks to more than ``XLSX_MAX_UNPACKED_BYTES``
  or declares more than ``MAX_CELLS`` cells, and while parsing once it yields
  more cells than that: a small file must not take a request's minutes.
- The header is matched case-insensitively, spaces and dashes read as ``_``,
  through each column's aliases; a ``Joined`` column is several file columns
  joined by a space (Moodle's firstname + lastname). A header found below row 1
  gives one error saying so, instead of a missing-column error per column.
- Every check collects all the errors it finds, except that an unreadable file
  or mangled text stops reading: the rest would only repeat it.

An error is stored as a message code and its parameters (``RowError.as_dict``),
so that it is shown in the language of whoever reads it, whenever they read it.
Each importer registers the messages of its own checks (``register_messages``).

Writing: text beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return) is run as a formula by spreadsheet programs. In a CSV file such
text is written behind an apostrophe, the usual guard (OWASP). In an XLSX file it
is written as what it is, a text cell: the program shows it exactly as typed and
never runs it, where an apostrophe would show up as part of the value.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_value(value):
    """A value for a CSV cell: formula-like text behind an apostrophe."""
    return "'" + value if formula_like(value) else value


def xlsx_cell(sheet, value, **style):
    """A write-only openpyxl cell holding ``value``; formula-like text is stored
    as a text cell, not a formula. ``style``: cell attributes such as ``font``."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if formula_like(value):
        cell.data_type = "s"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_texts_kept(worksheet) -> None:
    """For a sheet already written (by pandas): every formula-like string back
    to a text cell."""
    for row in worksheet.iter_rows():
        for cell in row:
            if formula_like(cell.value):
                cell.data_type = "s"


# Reading: limits and formats ------------------------------------------------------

FORMATS = ("csv", "xlsx")
# What an upload may be named: Excel saves "Unicode Text" as .txt; a .tsv is
# read like a .csv (the delimiter is found, not taken from the name).
UPLOAD_SUFFIXES = ("csv", "tsv", "txt", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"
# About 31,000 learners of eight columns; openpyxl reads some 25,000 cells a
# second on a small server, so this stays within a request's patience.
MAX_CELLS = 250_000
XLSX_MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# How far down a header row is looked for when row 1 is not one.
HEADER_SEARCH_ROWS = 20
DELIMITERS = (",", ";", "\t")
# Shown in the column of an error about a whole row or the whole file.
WHOLE_ROW = "—"
_SAVE_AS_UTF8 = _(
    "In Excel, choose File › Save As, pick the type “CSV UTF-8 (Comma "
    "delimited)”, and upload the new file."
)


def format_from_filename(filename: str) -> str | None:
    """How an upload named ``filename`` is read: "csv" (text), "xlsx" or None."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in UPLOAD_SUFFIXES:
        return None
    return "xlsx" if suffix == "xlsx" else "csv"


# Errors -----------------------------------------------------------------------------

MESSAGES: dict[str, str] = {}
_OWNERS: dict[str, str] = {}


def register_messages(owner: str, messages: Mapping[str, str]) -> None:
    """Add the messages of ``owner`` (a module name) under their codes. A code
    is one message everywhere: stored errors are read back by code alone."""
    for code, template in messages.items():
        if _OWNERS.setdefault(code, owner) != owner:
            raise ValueError(f"Message code {code!r} belongs to {_OWNERS[code]}.")
        MESSAGES[code] = template


@dataclass
class RowError:
    """One problem, where a spreadsheet user can find it. ``row`` is None for a
    problem with the file as a whole; ``code`` names a message of ``MESSAGES``,
    filled from ``params`` when read, in the language active then."""

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

    def __str__(self) -> str:
        return str(
            _("Row %(row)s, column %(column)s: %(message)s")
            % {"row": self.row_label, "column": self.column, "message": self.message}
        )

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


def sort_errors(errors: Iterable[RowError], columns: tuple[str, ...]) -> list:
    """By row, then in the order of ``columns`` (the file's own problems first)."""

    def key(error):
        order = columns.index(error.column) if error.column in columns else -1
        return (error.row or 0, order)

    return sorted(errors, key=key)


register_messages(
    __name__,
    {
        "unsupported_type": _(
            "Unsupported file type “%(name)s”: upload a .csv or an .xlsx file."
        ),
        "file_too_large": _("The file is larger than %(size)s MB."),
        "empty_file": _("The file is empty."),
        "no_rows": _("The file has no data rows below the header."),
        "not_utf8": format_lazy(
            "{} {}",
            _(
                "The file is not in UTF-8: this row holds the first character "
                "that cannot be read."
            ),
            _SAVE_AS_UTF8,
        ),
        "mangled_text": format_lazy(
            "{} {}",
            _(
                "“%(value)s”: this cell has question marks where letters should "
                "be, as when Khmer is saved in a format that cannot hold it."
            ),
            _SAVE_AS_UTF8,
        ),
        "bad_csv": _("This row cannot be read as CSV: %(reason)s"),
        "bad_xlsx": _(
            "The file cannot be read as an Excel workbook (.xlsx): %(reason)s"
        ),
        "xlsx_too_large": _(
            "The workbook is too large: it unpacks to more than %(size)s MB."
        ),
        "too_many_cells": _(
            "The file has more than %(max)s cells: split it into smaller files."
        ),
        "header_not_first": _(
            "The header must be on row 1; it was found on row %(found)s. Delete "
            "the rows above it."
        ),
        "missing_column": _("The required column is missing."),
        "missing_column_aliases": _(
            "The required column is missing. Its header may also be written: "
            "%(aliases)s."
        ),
        "missing_part": _(
            "The column %(present)s needs the column %(name)s beside it: "
            "together they give %(column)s."
        ),
        "duplicate_column": _("This column appears more than once."),
        "unknown_column": _("Unknown column “%(name)s”. The columns are: %(columns)s."),
        "unnamed_value": _(
            "This row has a value in a column without a header; a value that "
            "contains a comma must be put in quotes."
        ),
    },
)


class _Refused(Exception):
    """The file cannot be read any further; carries the one error to show."""

    def __init__(self, error: RowError):
        super().__init__(error.code)
        self.error = error


# Schemas ----------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass(frozen=True)
class Column:
    """A column of an importer's table; ``aliases`` are other headers read as it."""

    name: str
    label: str = ""
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Joined:
    """Several columns of the file read as one column of the table, their
    non-empty cells joined by ``separator``."""

    name: str
    parts: tuple[str, ...]
    separator: str = " "

    @property
    def header(self) -> str:
        return " + ".join(self.parts)


@dataclass(frozen=True)
class Schema:
    """The table an importer reads. ``ignored`` headers are accepted and not
    read; other unknown headers are errors unless ``unknown_allowed``, and then
    only named when a required column is missing (they may be misspellings).
    ``fold_whitespace`` reads every run of blanks in a cell as one space;
    otherwise cells keep their line breaks (as ``\\n``)."""

    columns: tuple[Column, ...]
    joined: tuple[Joined, ...] = ()
    ignored: tuple[str, ...] = ()
    unknown_allowed: bool = False
    fold_whitespace: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def aliases_of(self, name: str) -> list[str]:
        return [*self.column(name).aliases] + [
            joined.header for joined in self.joined if joined.name == name
        ]

    def lookup(self) -> dict[str, tuple[str, str]]:
        """Each accepted header, normalised, to (kind, column name)."""
        found = {normalise_header(name): ("ignored", name) for name in self.ignored}
        for joined in self.joined:
            for part in joined.parts:
                found[normalise_header(part)] = ("part", joined.name)
        for column in self.columns:
            for alias in column.aliases:
                found[normalise_header(alias)] = ("column", column.name)
            found[column.name] = ("column", column.name)
        return found


@dataclass(frozen=True)
class ColumnUse:
    """How one column of the table was found in the file: ``headers`` as the
    file writes them (several for a joined column), empty when it is absent."""

    name: str
    label: str
    headers: tuple[str, ...]

    @property
    def renamed(self) -> bool:
        found = tuple(normalise_header(header) for header in self.headers)
        return bool(found) and found != (self.name,)


@dataclass(frozen=True)
class Row:
    row: int
    values: dict[str, str]


@dataclass
class Reading:
    """What ``read_table`` found: rows fit for the importer's own checks, or
    errors; ``columns`` and ``ignored`` say how the header was understood."""

    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: list[ColumnUse] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def has_column(self, name: str) -> bool:
        return any(use.name == name and use.headers for use in self.columns)


# Reading ----------------------------------------------------------------------------


def read_table(
    data: bytes,
    *,
    schema: Schema,
    filename: str = "",
    fmt: str | None = None,
    header_only: bool = False,
) -> Reading:
    """The table in an uploaded file, or the errors that keep it from being read.
    ``header_only`` reads no further than the header, for ``Reading.columns``."""
    fmt = fmt or format_from_filename(filename)
    if data.startswith(XLSX_MAGIC):
        fmt = "xlsx"  # A workbook is a zip archive, whatever its name says.
    if fmt is None:
        return Reading(
            errors=[RowError(None, WHOLE_ROW, "unsupported_type", {"name": filename})]
        )
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        return Reading(errors=[RowError(1, WHOLE_ROW, "empty_file")])
    records = _xlsx_records(data) if fmt == "xlsx" else _csv_records(data)
    clean = _folded if schema.fold_whitespace else _stripped
    try:
        lines: list[list[str]] = []
        for record in records:
            lines.append([clean(value) for value in record])
            if header_only and len(lines) >= HEADER_SEARCH_ROWS:
                break
        if not any(any(cells) for cells in lines):
            raise _Refused(RowError(1, WHOLE_ROW, "empty_file"))
        return _table(lines, schema, header_only=header_only)
    except _Refused as refused:
        return Reading(errors=[refused.error])
    finally:
        records.close()  # A workbook left half-read is closed now.


def _folded(value: str) -> str:
    return " ".join(value.split())


def _stripped(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _record_count(text: str) -> int:
    """How many CSV records (spreadsheet rows) the text spans."""
    return sum(1 for _record in csv.reader(io.StringIO(text, newline="")))


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Takes the byte order from the BOM, and drops it.
    else:
        encoding = "utf-8"
        data = data.removeprefix(codecs.BOM_UTF8)
        # UTF-16 without a BOM reads as UTF-8 up to its first NUL byte.
        if (nul := data.find(b"\x00")) >= 0:
            data = data[:nul] + b"\xff"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        row = _record_count(prefix + "\ufffd")
        raise _Refused(RowError(row, WHOLE_ROW, "not_utf8")) from exc


def sniff_delimiter(text: str, lines: int = 10) -> str:
    """The delimiter found most often outside quotes in the first lines; the
    comma when none is."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            lines -= 1
            if not lines:
                break
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_records(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    cells = row = 0
    try:
        for record in reader:
            row += 1
            cells += max(1, len(record))
            if cells > MAX_CELLS:
                raise _Refused(
                    RowError(None, WHOLE_ROW, "too_many_cells", {"max": MAX_CELLS})
                )
            yield record
    except csv.Error as exc:
        raise _Refused(
            RowError(row + 1, WHOLE_ROW, "bad_csv", {"reason": str(exc)})
        ) from exc


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    too_many = RowError(None, WHOLE_ROW, "too_many_cells", {"max": MAX_CELLS})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Sizes from the zip directory: a member never unpacks to more than
            # it declares (zipfile stops there), so nothing is expanded yet.
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _bad_xlsx(exc) from exc
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        size = XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)
        raise _Refused(RowError(None, WHOLE_ROW, "xlsx_too_large", {"size": size}))
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "not a workbook"
        raise _bad_xlsx(exc) from exc
    try:
        if not workbook.worksheets:
            raise _bad_xlsx(ValueError("no worksheet"))
        sheet = workbook.worksheets[0]
        # The size the sheet declares, known before any cell is parsed.
        if (sheet.max_row or 0) * (sheet.max_column or 0) > MAX_CELLS:
            raise _Refused(too_many)
        # Then read every cell, whatever it declared, and count them as they come.
        sheet.reset_dimensions()
        cells = 0
        for values in sheet.iter_rows(values_only=True):
            cells += max(1, len(values))
            if cells > MAX_CELLS:
                raise _Refused(too_many)
            yield [_cell_text(value) for value in values]
    except _Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged archive fails while read
        raise _bad_xlsx(exc) from exc
    finally:
        workbook.close()


def _bad_xlsx(exc: Exception) -> _Refused:
    reason = str(exc) or exc.__class__.__name__
    return _Refused(RowError(None, WHOLE_ROW, "bad_xlsx", {"reason": reason}))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # A code typed as 12 is stored as 12.0.
    return str(value)


def question_marks(value: str) -> bool:
    """Whether a cell looks like text whose letters were replaced by ``?``: a run
    of two or more, and more question marks than letters and digits."""
    marks = value.count("?")
    return marks >= 2 and "??" in value and marks > sum(c.isalnum() for c in value)


@dataclass
class _Header:
    positions: dict[str, list[int]] = field(default_factory=dict)
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)
    # (position in the header, error): reported in the order of the header.
    problems: list[tuple[int, RowError]] = field(default_factory=list)
    missing: list[RowError] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return [error for _position, error in sorted(self.problems, key=_first)]


def _first(item):
    return item[0]


def _match_header(cells: list[str], schema: Schema) -> _Header:
    lookup = schema.lookup()
    header = _Header()
    parts: dict[str, dict[str, int]] = {}
    unknown = []
    for position, text in enumerate(cells):
        key = normalise_header(text)
        if not key:
            continue
        kind, name = lookup.get(key, ("unknown", key))
        if kind == "column" and name in header.positions:
            header.problems.append((position, RowError(1, name, "duplicate_column")))
        elif kind == "column":
            header.positions[name] = [position]
            header.headers[name] = (text,)
        elif kind == "part" and key in parts.setdefault(name, {}):
            header.problems.append((position, RowError(1, key, "duplicate_column")))
        elif kind == "part":
            parts[name][key] = position
        elif kind == "ignored":
            header.ignored.append(position)
        else:
            unknown.append((position, key))
    for joined in schema.joined:
        found = parts.get(joined.name)
        if found:
            _match_joined(header, joined, found, cells)
    for column in schema.columns:
        if not column.required or column.name in header.positions:
            continue
        if column.name in parts:
            continue  # Some of its parts are there: they say what is missing.
        aliases = ", ".join(schema.aliases_of(column.name))
        header.missing.append(
            RowError(1, column.name, "missing_column_aliases", {"aliases": aliases})
            if aliases
            else RowError(1, column.name, "missing_column")
        )
    if schema.unknown_allowed and not header.missing:
        header.ignored.extend(position for position, _key in unknown)
    else:
        params = {"columns": ", ".join(schema.names)}
        header.problems.extend(
            (position, RowError(1, key, "unknown_column", {"name": key, **params}))
            for position, key in unknown
        )
    return header


def _match_joined(header: _Header, joined: Joined, found: dict, cells) -> None:
    first = min(found.values())
    if joined.name in header.positions:
        header.problems.append((first, RowError(1, joined.name, "duplicate_column")))
        return
    absent = [part for part in joined.parts if normalise_header(part) not in found]
    present = [part for part in joined.parts if part not in absent]
    for part in absent:
        params = {"name": part, "present": present[0], "column": joined.name}
        header.problems.append((first, RowError(1, part, "missing_part", params)))
    if not absent:
        positions = [found[normalise_header(part)] for part in joined.parts]
        header.positions[joined.name] = positions
        header.headers[joined.name] = tuple(cells[p] for p in positions)


def _table(lines: list[list[str]], schema: Schema, *, header_only: bool) -> Reading:
    header = _match_header(lines[0], schema)
    reading = Reading(
        columns=[
            ColumnUse(c.name, c.label or c.name, header.headers.get(c.name, ()))
            for c in schema.columns
        ],
        ignored=[lines[0][position] for position in sorted(header.ignored)],
    )
    if header.missing:
        for index, cells in enumerate(lines[1:HEADER_SEARCH_ROWS], start=2):
            if any(cells) and not _match_header(cells, schema).missing:
                found = {"found": index}
                reading.errors = [RowError(1, WHOLE_ROW, "header_not_first", found)]
                return reading
    reading.errors = header.errors + header.missing
    if reading.errors or header_only:
        return reading

    width = len(lines[0])
    unnamed = {p for p, text in enumerate(lines[0]) if not normalise_header(text)}
    separators = {joined.name: joined.separator for joined in schema.joined}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cells):
            continue
        if any(cells[width:]) or any(cells[p] for p in unnamed if p < len(cells)):
            reading.errors.append(RowError(number, WHOLE_ROW, "unnamed_value"))
        values = dict.fromkeys(schema.names, "")
        for name, positions in header.positions.items():
            texts = [cells[p] if p < len(cells) else "" for p in positions]
            for position, text in zip(positions, texts, strict=True):
                if question_marks(text):
                    column = name if len(positions) == 1 else lines[0][position]
                    error = RowError(number, column, "mangled_text", {"value": text})
                    raise _Refused(error)
            values[name] = separators.get(name, " ").join(t for t in texts if t)
        reading.rows.append(Row(number, values))
    if not reading.rows and not reading.errors:
        reading.errors.append(RowError(2, WHOLE_ROW, "no_rows"))
    return reading
