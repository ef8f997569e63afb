"""A table written as a CSV or an Excel file that a spreadsheet shows as it is and never runs.

A table is a list of ``Column``s and rows (mappings from a column's ``key`` to its value).
The column's ``type`` says how a value is written:

- ``text``: as text. Text that would start a formula (``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return: the OWASP list for CSV injection) is shown as the text it is. In a CSV it
  gets a leading single quote, which spreadsheets hide and which stops the formula; in an
  Excel file it is an explicit text cell with Excel's own "quote prefix" (openpyxl would
  otherwise store any text starting with ``=`` as a formula), so the cell reads exactly as
  written and stays text when someone edits it.
- ``integer`` and ``number``: as numbers, never guarded (``-3`` is minus three, not a formula).
- ``date``: a real date (``YYYY-MM-DD`` in a CSV; a date cell formatted ``yyyy-mm-dd`` in Excel).
- ``list``: the items joined with ``"; "``, then written as text.

A missing value (None) is an empty cell. CSV files are UTF-8 with a byte-order mark, so Excel
reads accents right, with CRLF line ends (RFC 4180). Excel sheets have a bold header row that
stays in view (frozen), an autofilter over the table, and columns as wide as their content
(from ``MIN_WIDTH`` to ``MAX_WIDTH`` characters).
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

TYPES = ("text", "integer", "number", "date", "list")
#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What Excel refuses in a sheet's name, and how long one may be.
_SHEET_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_MAX = 31


@dataclass(frozen=True)
class Column:
    """One column of an exported table: the row key it reads, its heading, its type."""

    key: str
    heading: str
    type: str = "text"

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"Column {self.key!r}: type must be one of {', '.join(TYPES)}.")


def safe_cell(value):
    """``value`` as a CSV cell a spreadsheet shows and never runs: text that would start a
    formula gets a leading single quote; anything else (numbers included) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def starts_formula(value):
    """Whether a spreadsheet would read the text ``value`` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def typed(column, value):
    """The Python value a cell of ``column`` holds: str, int, int or float, date, or None."""
    if value is None:
        return None
    if column.type == "integer":
        return int(value)
    if column.type == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else float(value)
    if column.type == "date":
        return value.date() if isinstance(value, datetime) else value
    if column.type == "list":
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def _csv_cell(column, value):
    value = typed(column, value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def to_csv(columns, rows) -> str:
    """The table as CSV text: a byte-order mark, a header row of headings, one line per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column.heading) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(column, row.get(column.key)) for column in columns])
    return buffer.getvalue()


def to_xlsx(title, columns, rows) -> bytes:
    """The table as an Excel workbook of one sheet named ``title`` (see the module docstring)."""
    values = [[typed(column, row.get(column.key)) for column in columns] for row in rows]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(
            column.heading, (line[index - 1] for line in values))
    sheet.freeze_panes = "A2"
    last = f"{get_column_letter(max(1, len(columns)))}{len(values) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, column.heading, font=bold) for column in columns])
    for line in values:
        sheet.append([_xlsx_cell(sheet, value) for value in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value, font=None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML cannot hold
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Always a text cell: openpyxl makes any text starting with "=" a formula.
        cell.data_type = "s"
        if starts_formula(value):
            cell.quotePrefix = True
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if font is not None:
        cell.font = font
    return cell


def _width(heading, values):
    """Characters wide enough for the heading and the longest line of any value, bounded."""
    widest = len(heading) + 2  # room for the autofilter's button
    for value in values:
        if value is None:
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        widest = max(widest, max(len(line) for line in text.splitlines() or [""]))
    return max(MIN_WIDTH, min(MAX_WIDTH, widest + 1))


def sheet_title(title):
    """``title`` as Excel allows a sheet to be named (no ``[]:*?/\\``, at most 31 characters)."""
    cleaned = _SHEET_TITLE_REFUSED.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title)).strip()
    return cleaned[:_SHEET_TITLE_MAX].strip(" '") or "Sheet"


@dataclass(frozen=True)
class ExportFile:
    """A written table, ready to send: its bytes, content type and file name."""

    body: bytes
    content_type: str
    filename: str

    @property
    def disposition(self):
        return f'attachment; filename="{self.filename}"'


FORMATS = ("csv", "xlsx")


def export_file(table, file_format, stem, on):
    """``table`` written as ``file_format`` (``csv`` or ``xlsx``), named ``stem-YYYY-MM-DD``
    for the day ``on`` (the trust's today)."""
    name = f"{stem}-{on.isoformat()}.{file_format}"
    if file_format == "csv":
        return ExportFile(to_csv(table.columns, table.rows).encode("utf-8"),
                          f"{CSV_MIMETYPE}; charset=utf-8", name)
    if file_format == "xlsx":
        return ExportFile(to_xlsx(table.title, table.columns, table.rows), XLSX_MIMETYPE, name)
    raise ValueError(f"No export format {file_format!r}: use one of {', '.join(FORMATS)}.")
