"""The one cell writer of every CSV and XLSX the app produces: stored text never becomes a formula.

A cell is written from a Python value. Numbers stay numbers and dates stay dates; everything else is
text: characters XML cannot hold become spaces (a stored vertical tab must not break the export for
everyone), text a spreadsheet would run as a formula gets a leading apostrophe (OWASP, CSV injection),
and an XLSX text cell is typed as a string, so it is never a formula or an error value such as #N/A.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

from kube.core.text import xml_safe

#: What makes a spreadsheet read a cell as a formula (OWASP: = + - @, tab and carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: How XLSX date cells are shown.
DATE_FORMAT = "DD-MM-YYYY"
#: The number format of a text cell (Excel keeps all 16 digits of a NIK and leading zeros).
TEXT_FORMAT = "@"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _runs_as_formula(text: str) -> bool:
    # Spaces or a line break before the `=` do not make it text in every spreadsheet.
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def safe_text(value) -> str:
    """`value` as text a spreadsheet shows as it is: nothing XML cannot hold, no formula (a leading `'`)."""
    text = xml_safe(str(value))
    return "'" + text if _runs_as_formula(text) else text


def unescaped_text(text: str) -> str:
    """The text `safe_text` was given, for a file the app wrote and someone imports again."""
    return text[1:] if text.startswith("'") and _runs_as_formula(text[1:]) else text


def csv_cell(value) -> str:
    """One CSV field: empty for None, a date as YYYY-MM-DD, a number as it is, anything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if _is_number(value):
        return str(value)
    return safe_text(value)


def csv_row(values: Iterable) -> list[str]:
    """A row for `csv.writer`, every field through `csv_cell`."""
    return [csv_cell(value) for value in values]


def xlsx_cell(sheet, value, *, text: bool = False, font=None):
    """What `sheet.append` takes for one cell (openpyxl, write-only or not): a number, a date or a string.

    `text=True` writes numbers as text too, in a cell formatted as text (NIK, KK, phone and account numbers).
    A value needing no format, font or forced type is given as it is, which openpyxl writes fastest (a full
    export has millions of cells): safe text cannot start with `=`, so openpyxl types it a string itself.
    """
    number_format = None
    if value is None or value == "":
        value = None
    elif isinstance(value, date) and not text:
        number_format = DATE_FORMAT
    elif text or not _is_number(value):
        value = safe_text(value)
        number_format = TEXT_FORMAT if text else None
    is_string = isinstance(value, str)
    # Text such as #N/A is the one string openpyxl would type otherwise (an error value): it gets a cell.
    if font is None and number_format is None and not (is_string and value.startswith("#")):
        return value
    from openpyxl.cell import WriteOnlyCell  # here, not per plain value: most cells return above

    cell = WriteOnlyCell(sheet, value)
    if is_string:
        cell.data_type = "s"  # never "f" (a formula) or "e" (an error value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def xlsx_row(sheet, values: Iterable, text_columns: Collection[int] = (), font=None) -> list:
    """A row for `sheet.append`, every value as `xlsx_cell` writes it; `text_columns` are 0-based indexes."""
    return [xlsx_cell(sheet, value, text=index in text_columns, font=font) for index, value in enumerate(values)]
