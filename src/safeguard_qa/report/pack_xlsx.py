"""The partnership view as an Excel workbook, for the business unit to sort, filter and send on.

Sheets: **Summary** (the headline figures), **Heatmap** (a block per framework: an agency a
row, a standard a column, each cell the assured rating as a word, the moderated one beside
it, shaded by the settled rating), **Themes**, **Trend** (agencies, then standards),
**Actions** (the register, overdue first) and one sheet per agency with its challenge
agenda (dismissed flags after it). The rows are those of the CSV export
(:mod:`safeguard_qa.report.pack_csv`): criterion text in every row that names a criterion,
scores and shares rounded to 4 decimals, statuses and ids written as words.

Cells are written as :mod:`safeguard_qa.report.xlsxout` writes them: text is always text,
and a text a spreadsheet would read as a formula (see
:func:`~safeguard_qa.report.safe.runs_as_formula`) also gets Excel's quote prefix; control
characters are shown as symbols. The workbook is always written in openpyxl's write-only
mode: one code path whatever the number of agencies, rows streamed to temporary files, so
memory stays flat for a region's hundreds of agencies. The bytes depend only on the report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter

from safeguard_qa.analysis.partnership import (
    AgencyPack,
    FrameworkView,
    HeatCell,
    PartnershipReport,
    settled,
)
from safeguard_qa.io.workbook import (
    DATE_FORMAT,
    FIRST_EXCEL_DATE,
    HEADER_FILL,
    TOP,
    WRAP,
    escape_text,
)
from safeguard_qa.models.results import Ratings
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import label, long_date, rag_label
from safeguard_qa.report.pack_csv import (
    action_rows,
    agenda_rows,
    criterion_texts,
    theme_rows,
    trend_rows,
)
from safeguard_qa.report.safe import printable, runs_as_formula
from safeguard_qa.report.xlsxout import BOLD, EPOCH, RAG_FILLS, _saved

Column = tuple[str, str, int]
"""(key in the row, header, width in characters)."""

THEMES: tuple[Column, ...] = (
    ("theme_label", "Theme", 40),
    ("theme_kind", "Kind", 10),
    ("framework", "Framework", 12),
    ("criterion", "Criterion", 10),
    ("criterion_text", "Criterion text", 50),
    ("description", "Criteria", 20),
    ("rated", "Agencies rated", 10),
    ("share", "Share amber or red", 12),
    ("agencies", "Agencies amber or red", 50),
)
TREND_AGENCIES: tuple[Column, ...] = (
    ("agency_name", "Agency", 32),
    ("previous_rag", "Previous", 12),
    ("settled_rag", "Now", 12),
    ("direction", "Change", 12),
    ("standards_improved", "Standards up", 10),
    ("standards_declined", "Standards down", 10),
)
TREND_STANDARDS: tuple[Column, ...] = (
    ("standard", "Standard", 10),
    ("standard_title", "Title", 40),
    ("framework", "Framework", 12),
    ("rated", "Agencies in both cycles", 12),
    ("previous_score", "Previous mean score", 12),
    ("current_score", "Mean score now", 12),
    ("direction", "Change", 12),
)
ACTIONS: tuple[Column, ...] = (
    ("agency_name", "Agency", 28),
    ("criterion", "Criterion", 10),
    ("criterion_text", "Criterion text", 40),
    ("number", "Action", 7),
    ("description", "Description", 50),
    ("owner", "Owner", 20),
    ("due", "Due", 12),
    ("status", "Status", 12),
    ("completed", "Completed", 12),
    ("overdue", "Overdue", 9),
    ("days_overdue", "Days overdue", 9),
)
AGENDA: tuple[Column, ...] = (
    ("rank", "Rank", 6),
    ("severity", "Severity", 9),
    ("standard", "Standard", 9),
    ("criterion", "Criterion", 10),
    ("criterion_text", "Criterion text", 40),
    ("self_rag", "Self", 9),
    ("assured_rag", "Assured", 9),
    ("moderated_rag", "Moderated", 10),
    ("message", "Finding", 50),
    ("question", "Question for the panel", 50),
    ("evidence", "Flag rests on", 50),
    ("status", "Decision", 12),
    ("reason", "Reason", 30),
    ("rule", "Rule", 18),
    ("fingerprint", "Fingerprint", 18),
)
AS_WORDS = frozenset({"status", "direction", "theme_kind", "severity"})
"""Columns holding ids (``not_started``, ``action_agreed``) shown to people as words."""
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet name."""
MAX_SHEET_NAME = 31
CELL_WHITESPACE = "\t\n\r"
"""Control characters a cell keeps (multi-line evidence needs them)."""
LINE_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0


def render_partnership(report: PartnershipReport, options: RenderOptions) -> bytes:
    """The workbook's bytes."""
    wb = Workbook(write_only=True)
    _summary(_Sheet(wb, "Summary", (("item", "Item", 34), ("value", "Value", 80))), report)
    _heatmap(wb, report)
    _table(wb, "Themes", THEMES, theme_rows(report))
    _trend(wb, report)
    _table(wb, "Actions", ACTIONS, action_rows(report, criterion_texts(report)))
    names = {"summary", "heatmap", "themes", "trend", "actions"}
    for pack in report.agencies:
        _table(wb, sheet_name(pack, names), AGENDA, agenda_rows(pack))
    stamp = dt.datetime.combine(report.as_of or EPOCH, dt.time())
    return b"".join(_saved(wb, stamp))


def sheet_name(pack: AgencyPack, taken: set[str]) -> str:
    """The agency's name as a sheet name: no character Excel refuses, at most 31 long, no
    apostrophe at either end, different (ignoring case) from every name already taken."""
    base = SHEET_NAME.sub(" ", pack.name).strip().strip("'").strip() or pack.agency
    name = base[:MAX_SHEET_NAME].rstrip("'").rstrip()
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'").rstrip() + suffix
        number += 1
    taken.add(name.casefold())
    return name


class _Sheet:
    """One write-only sheet: column widths first, then rows appended one at a time."""

    def __init__(self, wb: Workbook, title: str, columns: Sequence[Column]) -> None:
        # Any: openpyxl's stubs leave out what the write-only sheet borrows from Worksheet
        self.ws: Any = cast(Any, wb.create_sheet(title))
        self.columns = tuple(columns)
        for number, (_, _, width) in enumerate(columns, 1):
            self.ws.column_dimensions[get_column_letter(number)].width = width
        self.rows = 0

    def header(
        self, labels: Iterable[str] | None = None, columns: Sequence[Column] | None = None
    ) -> None:
        texts = list(labels) if labels is not None else [c[1] for c in columns or self.columns]
        self._write([self._styled(text, bold=True, fill=True) for text in texts], texts)

    def title(self, text: str) -> None:
        self._write([self._styled(text, bold=True)], [])

    def blank(self) -> None:
        self._write([], [])

    def record(self, row: dict[str, Any], columns: Sequence[Column] | None = None) -> None:
        columns = columns or self.columns
        values = [_shown(key, row.get(key)) for key, _, _ in columns]
        cells = [
            self.cell(value, wrap=width >= 30)
            for value, (_, _, width) in zip(values, columns, strict=True)
        ]
        self._write(cells, values)

    def cell(self, value: object, *, wrap: bool = False, fill: RAG | None = None) -> Cell:
        cell = WriteOnlyCell(self.ws)
        put(cell, value)
        cell.alignment = WRAP if wrap else TOP
        rag = fill if fill is not None else value if isinstance(value, RAG) else None
        if rag is not None:
            cell.fill = RAG_FILLS[rag]
        return cell

    def _styled(self, text: str, *, bold: bool = False, fill: bool = False) -> Cell:
        cell = self.cell(text, wrap=True)
        if bold:
            cell.font = BOLD
        if fill:
            cell.fill = HEADER_FILL
        return cell

    def write(self, cells: list[Cell]) -> None:
        self._write(cells, [])

    def _write(self, cells: list[Cell], values: Sequence[object]) -> None:
        self.rows += 1
        height = _row_height(values, [width for _, _, width in self.columns])
        if height is not None:
            self.ws.row_dimensions[self.rows].height = height
        self.ws.append(cells)
        self.ws.row_dimensions.pop(self.rows, None)  # written with the row: keep memory flat

    def filter(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{max(self.rows, 2)}"


def put(cell: Cell, value: object) -> None:
    """``value`` into ``cell`` as the evaluation workbook writes it: RAG and yes/no as words,
    dates as dates, text always as text (never a formula), with the quote prefix where a
    spreadsheet would take it for a formula if typed in, and control characters shown as
    symbols."""
    if isinstance(value, RAG):
        value = rag_label(value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if value >= FIRST_EXCEL_DATE:
            cell.value = value
            cell.number_format = DATE_FORMAT
            return
        value = value.isoformat()
    if isinstance(value, int | float) or value is None:
        cell.value = value
        return
    text = printable(str(value), keep=CELL_WHITESPACE)
    cell.value = escape_text(text)
    cell.data_type = "s"  # openpyxl makes "=..." a formula; text from a return never is
    if runs_as_formula(text):
        cell.quotePrefix = True


def _shown(key: str, value: object) -> object:
    """A value as people read it: ids as words, blank for none."""
    if key in AS_WORDS and isinstance(value, str):
        return label(value)
    return value


def _row_height(values: Sequence[object], widths: Sequence[int]) -> float | None:
    """Tall enough for its wrapped text (Excel does not grow rows openpyxl wrote)."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value and width >= 30:
            per_line = max(int(width * 1.1), 1)
            lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines) if lines > 1 else None


def _table(
    wb: Workbook, title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> None:
    sheet = _Sheet(wb, title, columns)
    sheet.ws.freeze_panes = "A2"  # panes must be set before the first row
    sheet.header()
    for row in rows:
        sheet.record(row)
    sheet.filter()


# --- Summary ------------------------------------------------------------------------------


def _summary(sheet: _Sheet, report: PartnershipReport) -> None:
    sheet.header()
    for item, value in summary_items(report):
        sheet.record({"item": item, "value": value})


def summary_items(report: PartnershipReport) -> Iterator[tuple[str, object]]:
    """The headline figures, as (what, value)."""
    status = report.status
    names = {s.agency: s.name for s in status.agencies}
    yield "Partnership", report.partnership or "–"
    yield "Cycle", report.cycle or "–"
    yield "Returns for", f"{long_date(report.period_start)} to {long_date(report.period_end)}"
    yield "As of", report.as_of
    yield "Returns received", status.returned
    if status.expected:
        yield "Returns expected", status.expected
    yield "Not returned", _names(names, status.missing)
    yield "Late", _names(names, status.late)
    yield "Not signed off", _names(names, status.unsigned)
    yield "Open flags", sum(p.flags.open for p in report.agencies)
    yield "Open flags of high severity", sum(p.flags.open_high for p in report.agencies)
    yield "Flags dismissed", sum(p.flags.dismissed for p in report.agencies)
    yield "Overdue actions", sum(1 for a in report.actions if a.overdue)
    yield "Themes", len(report.themes)
    yield "A theme when amber or red at", f"{round(report.theme_share * 100)}% of agencies"


def _names(names: dict[str, str], ids: Sequence[str]) -> str:
    return "; ".join(names.get(i, i) for i in ids) or "none"


# --- Heatmap ------------------------------------------------------------------------------


def _heatmap(wb: Workbook, report: PartnershipReport) -> None:
    widest = max((len(v.standards) for v in report.frameworks), default=0)
    columns: list[Column] = [("agency", "Agency", 32), ("overall", "Overall", 14)]
    columns += [(f"s{i}", "", 12) for i in range(widest)]
    columns += [("trend", "Since last cycle", 12)]
    sheet = _Sheet(wb, "Heatmap", columns)
    sheet.ws.freeze_panes = "B1"
    sheet.title(
        "Assured rating by standard; M: the panel's moderated rating. Shaded by the settled "
        "rating (moderated where recorded, else assured)."
    )
    for view in report.frameworks:
        sheet.blank()
        _heatmap_block(sheet, view, widest, trend=report.trend is not None)


def _heatmap_block(sheet: _Sheet, view: FrameworkView, widest: int, *, trend: bool) -> None:
    sheet.title(f"{view.title} ({view.framework} {view.version})")
    headers = ["Agency", "Overall", *(f"{s.id} {s.title}" for s in view.standards)]
    headers += [""] * (widest - len(view.standards))
    sheet.header([*headers, "Since last cycle" if trend else ""])
    for row in view.heatmap:
        cells = [sheet.cell(row.name), _rating_cell(sheet, row.overall)]
        cells += [_rating_cell(sheet, cell) for cell in row.cells]
        cells += [sheet.cell(None)] * (widest - len(row.cells))
        cells.append(sheet.cell(label(row.trend) if trend and row.trend else None))
        sheet.write(cells)


def _rating_cell(sheet: _Sheet, ratings: Ratings | HeatCell) -> Cell:
    """The assured rating as a word (and the moderated one), shaded by the settled one."""
    text = rag_label(ratings.assured_rag)
    if ratings.moderated_rag is not None:
        text += f" (M: {rag_label(ratings.moderated_rag)})"
    return sheet.cell(text, fill=settled(ratings))


# --- Trend --------------------------------------------------------------------------------


def _trend(wb: Workbook, report: PartnershipReport) -> None:
    widths = [
        ("", "", max(a[2], s[2])) for a, s in zip(TREND_AGENCIES, TREND_STANDARDS, strict=False)
    ]
    sheet = _Sheet(wb, "Trend", [*widths, *TREND_STANDARDS[len(widths) :]])
    if report.trend is None:
        sheet.title("No previous cycle was given: there is no trend.")
        return
    sheet.title("Overall settled rating by agency (moderated where recorded, else assured)")
    sheet.header(columns=TREND_AGENCIES)
    rows = list(trend_rows(report))
    for row in rows:
        if row["section"] == "trend_agency":
            sheet.record(row, TREND_AGENCIES)
    sheet.blank()
    sheet.title("Mean settled score by standard (0 red to 1 blue), agencies rated in both cycles")
    sheet.header(columns=TREND_STANDARDS)
    for row in rows:
        if row["section"] == "trend_standard":
            sheet.record(row, TREND_STANDARDS)
