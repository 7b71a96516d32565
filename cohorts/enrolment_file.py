"""Read and check an enrolment file, with no database.

The file is one table read by ``lms.tabular`` (CSV or XLSX; encodings, limits
and row numbers are explained there), with a header naming the columns in
``COLUMNS`` or their aliases. ``phone`` and ``language`` may be left out, and so
may ``full_name_km``: a file exported from another platform has no Khmer name,
and a Latin name in the Khmer field would be printed on Khmer certificates as if
it were one, so the Khmer name is left for the learner to add in their profile.
When the column is there, every row needs its cell.

Moodle's "Upload users" file is read as it is: ``firstname`` + ``lastname``
give the Latin name (joined by a space), ``department`` the position, ``phone1``
the phone, ``lang`` the language and ``cohort1`` the cohort; ``username`` and
``idnumber`` are not read (a Sala account is its e-mail address). Sala still
needs the institution and the cohort of each learner.

An error is a ``lms.tabular.RowError``: a message code of ``MESSAGES`` (or of the
reader's) and its parameters, stored as they are on the import job and shown in
the language of whoever reads it, whenever they read it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from lms import tabular
from lms.tabular import WHOLE_ROW, Column, ColumnUse, Joined, RowError  # noqa: F401

SCHEMA = tabular.Schema(
    columns=(
        Column(
            "email",
            _("E-mail"),
            aliases=("e-mail", "email address", "e-mail address"),
        ),
        Column(
            "full_name_km",
            _("Full name in Khmer"),
            required=False,
            aliases=("name_km", "full name khmer", "full name in khmer"),
        ),
        Column(
            "full_name_latin",
            _("Full name in Latin script"),
            aliases=("name_latin", "full name in latin script"),
        ),
        Column("institution", _("Institution")),
        Column("position", _("Position"), aliases=("department",)),
        Column("phone", _("Phone"), required=False, aliases=("phone number", "phone1")),
        Column("cohort", _("Cohort"), aliases=("cohort1",)),
        Column(
            "language",
            _("Preferred language"),
            required=False,
            aliases=("preferred language", "lang"),
        ),
    ),
    joined=(Joined("full_name_latin", ("firstname", "lastname")),),
    ignored=("username", "idnumber"),
)
COLUMNS = SCHEMA.names
# The cells every row must fill, when their column is in the file.
REQUIRED = (
    "email",
    "full_name_km",
    "full_name_latin",
    "institution",
    "position",
    "cohort",
)
LANGUAGES = ("km", "en")
MAX_LENGTH = {
    "email": 254,
    "full_name_km": 150,
    "full_name_latin": 150,
    "position": 150,
    "phone": 32,
}
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{5,30}$")

MESSAGES = {
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
tabular.register_messages(__name__, MESSAGES)


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
    # How the header was understood, and the headers not read.
    columns: list[ColumnUse] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def required(self) -> tuple[str, ...]:
        """The cells each row must fill: those of ``REQUIRED`` in the file."""
        present = {use.name for use in self.columns if use.headers}
        return tuple(name for name in REQUIRED if name in present)


def lookup_key(value: str) -> str:
    """How institution and cohort names are matched: case and spacing ignored."""
    return " ".join(value.split()).casefold()


# Reading ------------------------------------------------------------------------


def read_table(data: bytes, *, filename: str = "") -> ParsedFile:
    """The rows of an uploaded file, or the errors that make it unreadable."""
    reading = tabular.read_table(data, schema=SCHEMA, filename=filename)
    return ParsedFile(
        rows=[EnrolmentRow(row=row.row, **row.values) for row in reading.rows],
        errors=reading.errors,
        columns=reading.columns,
        ignored=reading.ignored,
    )


def column_mapping(data: bytes, *, filename: str = "") -> ParsedFile:
    """How the file's header is read (``columns``, ``ignored``), reading no
    further than the header."""
    reading = tabular.read_table(
        data, schema=SCHEMA, filename=filename, header_only=True
    )
    if reading.errors:
        return ParsedFile(errors=reading.errors)
    return ParsedFile(columns=reading.columns, ignored=reading.ignored)


# Checking -----------------------------------------------------------------------


def row_errors(
    row: EnrolmentRow,
    *,
    institutions: Mapping[str, object],
    cohorts: Mapping[str, object],
    required: Collection[str] = REQUIRED,
) -> list[RowError]:
    """The problems of one row, by itself. ``institutions`` and ``cohorts`` map
    each accepted spelling (see ``lookup_key``) to the thing it names;
    ``required``: the cells that may not be empty (``ParsedFile.required``)."""
    errors = []
    for column in REQUIRED:
        errors.extend(_text_errors(row, column, required=column in required))
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


def _text_errors(row: EnrolmentRow, column: str, *, required: bool) -> list[RowError]:
    value = getattr(row, column)
    if not value:
        return [RowError(row.row, column, "required")] if required else []
    if tabular.formula_like(value):
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
    return tabular.sort_errors(errors, COLUMNS)


def template_csv() -> bytes:
    """An empty enrolment file: the header row, UTF-8 with a BOM for Excel."""
    return codecs.BOM_UTF8 + (",".join(COLUMNS) + "\r\n").encode("utf-8")
