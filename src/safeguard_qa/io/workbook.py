"""openpyxl helpers shared by XLSX returns, templates and exports.

Three things openpyxl does not do for us: it turns any text starting with ``=`` into a
formula, it cannot store control characters (and XML turns a carriage return into a line
feed), and it stamps the workbook and every zip entry with the current time. Text cells
here are always text, escaped the way Office escapes them (``_x000D_``), and the saved bytes
depend only on the content, so the same input always gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

DATE_FORMAT = "d mmm yyyy"
FIRST_EXCEL_DATE = dt.date(1900, 3, 1)  # before this, Excel's calendar is off by a day
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
GIVEN_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
MAX_ROW_HEIGHT = 409  # points: Excel's limit
LINE_HEIGHT = 15

_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def escape_text(text: str) -> str:
    """``text`` with characters XML cannot hold (and ``\\r``) as Office's ``_xHHHH_``;
    an underscore that would read as such an escape is itself escaped (``_x005F_``)."""
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape_text(text: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write ``value`` into a cell: text stays text, dates are dates, floats stay exact."""
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell), "safeguard-qa never merges cells"
    if isinstance(value, str):
        cell.value = escape_text(value)
        cell.data_type = "s"  # openpyxl makes "=..." a formula; text from a return never is
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if value >= FIRST_EXCEL_DATE:
            cell.value = value
            cell.number_format = DATE_FORMAT
        else:
            put(ws, row, column, value.isoformat())
    elif isinstance(value, float) and not _excel_exact(value):
        put(ws, row, column, repr(value))  # Excel keeps 15 digits; text keeps them all
    else:
        cell.value = value  # type: ignore[assignment]
    return cell


def _excel_exact(value: float) -> bool:
    return math.isfinite(value) and float(f"{value:.15g}") == value


def style_header(ws: Worksheet, row: int, widths: list[int]) -> None:
    """Bold, shaded, wrapped header cells and the column widths."""
    for column, width in enumerate(widths, 1):
        cell = ws.cell(row=row, column=column)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[get_column_letter(column)].width = width


def fit_row(ws: Worksheet, row: int, widths: list[int]) -> None:
    """Tall enough for its wrapped text: Excel does not grow rows openpyxl wrote."""
    lines = 1
    for column, width in enumerate(widths, 1):
        value = ws.cell(row=row, column=column).value
        if isinstance(value, str) and value:
            per_line = max(int(width * 1.1), 1)
            lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


def workbook_bytes(wb: Workbook, stamp: dt.datetime, *, ours: bool = True) -> bytes:
    """The workbook's .xlsx bytes, identical for identical content. ``ours=False`` for a
    workbook someone else made: its author and creation date are kept."""
    if ours:
        wb.properties.creator = "safeguard-qa"
        wb.properties.created = stamp
    wb.properties.lastModifiedBy = "safeguard-qa"
    wb.properties.modified = stamp
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # not wb.save(): that stamps "modified" with the clock
    return _without_timestamps(raw.getvalue())


def _without_timestamps(data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
