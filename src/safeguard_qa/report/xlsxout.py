"""Evaluations as an Excel workbook: Summary, Standards, Criteria and Flags sheets.

The rows are those of the CSV export (:mod:`safeguard_qa.report.csvout`), one sheet per
section, with a filter on each header. RAG values are written as words and shaded. Text is
always stored as text, so nothing from a return can run as a formula when the file is
opened; a text a spreadsheet would read as a formula if it were typed in (see
:func:`~safeguard_qa.report.safe.runs_as_formula`) is also marked with Excel's "quote
prefix", the hidden apostrophe, so editing the cell keeps it text. Control characters are
shown as symbols, as in the CSV. The file's bytes depend only on the evaluations.

The workbook is written in openpyxl's write-only mode: each evaluation's rows go to the
sheets' temporary files as it arrives, and the finished file is assembled in a spooled
temporary file, so memory stays flat in the number of returns (the temporary folder holds
about the uncompressed size of the sheets while the file is written).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from safeguard_qa.io.workbook import (
    DATE_FORMAT,
    FIRST_EXCEL_DATE,
    HEADER_FILL,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    TOP,
    WRAP,
    escape_text,
)
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.csvout import CELL_WHITESPACE, rows
from safeguard_qa.report.safe import printable, runs_as_formula

AGENCY = ("agency_id", "agency_name")
SHEETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Summary": (
        "overall",
        (
            "return_id",
            *AGENCY,
            "agency_type",
            "framework",
            "framework_version",
            "period_end",
            "self_rag",
            "assured_rag",
            "moderated_rag",
            "flag_count",
        ),
    ),
    "Standards": (
        "standard",
        (*AGENCY, "standard", "title", "self_rag", "assured_rag", "moderated_rag", "self_score",
         "assured_score"),
    ),
    "Criteria": (
        "criterion",
        (*AGENCY, "standard", "criterion", "answer_type", "self_level", "self_rag", "assured_rag",
         "moderated_level", "moderated_rag", "value", "not_applicable", "answered", "flag_count"),
    ),
    "Flags": (
        "flag",
        (*AGENCY, "standard", "criterion", "severity", "status", "rule", "message", "question",
         "evidence", "caps", "reason", "fingerprint"),
    ),
}  # fmt: skip
WIDE = {"agency_name": 28, "title": 36, "message": 50, "question": 50, "evidence": 50}
LABELS = {"rag": "RAG", "id": "id", "caps": "Caps at"}
RAG_FILLS = {
    RAG.RED: PatternFill("solid", fgColor="F4B6B6"),
    RAG.AMBER: PatternFill("solid", fgColor="FFE0A3"),
    RAG.GREEN: PatternFill("solid", fgColor="C6E7C6"),
    RAG.BLUE: PatternFill("solid", fgColor="BDD7F0"),
}
EPOCH = dt.date(2000, 1, 1)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK = 1 << 20
SPOOL = 8 << 20
"""The finished file is kept in memory up to this size, then in a temporary file."""
BOLD = Font(bold=True)


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> bytes:
    return b"".join(stream_evaluations(evaluations, len(evaluations), options))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[bytes]:
    """The workbook's bytes, in chunks, once every evaluation has been written to it.

    An xlsx file is a zip whose parts are complete only at the end, so nothing comes out
    before the last evaluation; but no evaluation is kept once its rows are written.
    """
    wb = Workbook(write_only=True)
    sheets = {
        section: _Sheet(wb.create_sheet(title), columns)
        for title, (section, columns) in SHEETS.items()
    }
    latest: dt.date | None = None
    for ev in evaluations:
        latest = ev.as_of if latest is None else max(latest, ev.as_of)
        for row in rows(ev):
            sheets[str(row["section"])].append(row)
    for sheet in sheets.values():
        sheet.finish()
    yield from _saved(wb, dt.datetime.combine(latest or EPOCH, dt.time()))


def header_label(column: str) -> str:
    words = [LABELS.get(word, word) for word in column.split("_")]
    text = " ".join(words)
    return LABELS.get(column, text[:1].upper() + text[1:])


class _Sheet:
    """One write-only sheet: the header, then records appended one row at a time."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: tuple[str, ...]) -> None:
        # Any: openpyxl's stubs leave out what the write-only sheet borrows from Worksheet
        # (row and column dimensions, panes, the filter)
        self.ws: Any = cast(Any, ws)
        self.columns = columns
        self.widths = [WIDE.get(column, max(12, len(column) + 2)) for column in columns]
        for number, width in enumerate(self.widths, 1):
            self.ws.column_dimensions[get_column_letter(number)].width = width
        self.ws.freeze_panes = "C2"  # column widths and panes must be set before the first row
        self.count = 0
        self.styles: dict[tuple[bool, RAG | None, str], StyleArray] = {}
        self._write([self._header(column) for column in columns], [])

    def _header(self, column: str) -> Cell:
        cell = WriteOnlyCell(self.ws, value=header_label(column))
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        return cell

    def append(self, record: dict[str, object]) -> None:
        values = [record.get(column) for column in self.columns]
        cells = [self._cell(col, value) for col, value in zip(self.columns, values, strict=True)]
        self._write(cells, values)
        self.count += 1

    def _cell(self, column: str, value: object) -> Cell:
        shown, kind = cell_value(value)
        key = (column in WIDE, value if isinstance(value, RAG) else None, kind)
        style = self.styles.get(key) or self._style(key)
        cell = Cell(self.ws, row=1, column=1, style_array=style)
        cell.value = shown
        if kind != "plain" and kind != "date":
            cell.data_type = "s"  # openpyxl makes "=..." a formula; text from a return never is
        return cell

    def _style(self, key: tuple[bool, RAG | None, str]) -> StyleArray:
        """The style of a kind of cell, made once: setting a style on each of a million
        cells would cost more than writing them."""
        wide, rag, kind = key
        cell = WriteOnlyCell(self.ws)
        cell.alignment = WRAP if wide else TOP
        if rag is not None:
            cell.fill = RAG_FILLS[rag]
        if kind == "date":
            cell.number_format = DATE_FORMAT
        elif kind == "quoted":
            cell.quotePrefix = True  # Excel's hidden apostrophe: editing keeps it text
        style: StyleArray = cast(Any, cell)._style  # the style's indexes (stubs omit it)
        self.styles[key] = style
        return style

    def _write(self, cells: list[Cell], values: list[object]) -> None:
        row = self.count + 1
        height = _row_height(values, self.widths)
        if height is not None:
            self.ws.row_dimensions[row].height = height
        self.ws.append(cells)
        self.ws.row_dimensions.pop(row, None)  # written with the row: keep memory flat

    def finish(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{max(self.count + 1, 2)}"


def cell_value(value: object) -> tuple[str | int | float | dt.date | None, str]:
    """What a cell holds for ``value``, as :func:`safeguard_qa.io.workbook.put` writes it,
    and its kind: ``plain`` (a number or nothing), ``date``, ``text``, or ``quoted`` (text a
    spreadsheet would take for a formula if it were typed in)."""
    if isinstance(value, RAG):
        value = value.value.capitalize()
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, float) and not _excel_exact(value):
        value = repr(value)  # Excel keeps 15 digits; text keeps them all
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if value >= FIRST_EXCEL_DATE:
            return value, "date"
        value = value.isoformat()
    if isinstance(value, int | float) or value is None:
        return value, "plain"
    text = printable(str(value), keep=CELL_WHITESPACE)
    return escape_text(text), "quoted" if runs_as_formula(text) else "text"


def _excel_exact(value: float) -> bool:
    return math.isfinite(value) and float(f"{value:.15g}") == value


def _row_height(values: list[object], widths: list[int]) -> float | None:
    """Tall enough for its wrapped text (Excel does not grow rows openpyxl wrote)."""
    lines = 1
    for value, width in zip(values, widths, strict=False):  # the header row has no values
        if isinstance(value, str) and value:
            per_line = max(int(width * 1.1), 1)
            lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines) if lines > 1 else None


# --- the file --------------------------------------------------------------------------


class _SteadyZip(zipfile.ZipFile):
    """A zip whose entries carry a fixed time and mode, so the bytes depend on the content
    only; members are copied from openpyxl's temporary files in chunks."""

    def writestr(  # type: ignore[override]
        self, zinfo_or_arcname: str | zipfile.ZipInfo, data: str | bytes, *args: Any
    ) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        super().writestr(_entry(str(name)), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        size = os.path.getsize(filename)
        with (
            open(filename, "rb") as source,
            self.open(
                _entry(str(arcname)), "w", force_zip64=size > zipfile.ZIP64_LIMIT // 2
            ) as target,
        ):
            shutil.copyfileobj(source, target, CHUNK)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _saved(wb: Workbook, stamp: dt.datetime) -> Iterator[bytes]:
    """The finished workbook's bytes, in chunks."""
    wb.properties.creator = "safeguard-qa"
    wb.properties.lastModifiedBy = "safeguard-qa"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        # not wb.save(): that stamps "modified" with the clock
        ExcelWriter(wb, _SteadyZip(spool, "w", zipfile.ZIP_DEFLATED)).save()
        spool.seek(0)
        yield from _chunks(spool)


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk
