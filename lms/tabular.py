"""Cells of spreadsheets Sala writes, made safe from formula injection. One place
for every export (cohorts, competitions, certificates).

Text beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage return)
is run as a formula by spreadsheet programs. In a CSV file such text is written
behind an apostrophe, the usual guard (OWASP). In an XLSX file it is written as
what it is, a text cell: the program shows it exactly as typed and never runs
it, where an apostrophe would show up as part of the value.
"""

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
