"""A validation receipt: the agency's own workbook handed back with its problems marked.

Each problem that can be placed on a cell gets a red border, a fill (pink for an error,
yellow for a warning) and a comment saying what is wrong; every problem is listed on a
``Problems`` sheet put first (sheet, cell with a link to it, level, problem), so the
business unit can send the receipt straight back. The source file is only read.

Where a problem is put, from its ``place``:

``sheet <title>, row <n>, column <letters> (<label>)``
    (as the XLSX reader writes it) that cell; ``sheet <title>, row <n>`` the row's first
    visible cell; the sheet title is matched against the workbook's own titles, so titles
    holding commas are found too.
``... criterion <id> [› rating|value|commentary|moderated ...]``
    (as ``check_return`` writes it) the Responses row whose Ref is ``<id>``: the named
    column, else the Ref cell.
``agency › type``, ``sign_off › date``, ``submitted``...
    the Return sheet's row for that detail, in its Answer column.

Anything else (a limit, a part of a damaged file) is listed without a cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from safeguard_qa.errors import Problem
from safeguard_qa.io.layout import RETURN_FIELD_BY_KEY
from safeguard_qa.io.workbook import HEADER_FILL, WRAP, put, workbook_bytes
from safeguard_qa.io.xlsxcheck import check_workbook
from safeguard_qa.io.xlsxfile import KEY_ROW, STAMP, open_workbook
from safeguard_qa.loaders.files import Limits, read_bytes

FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
RED = Side(style="medium", color="C00000")
MARK = Border(left=RED, right=RED, top=RED, bottom=RED)
_ROW_COLUMN = re.compile(r"^, row (\d+)(?:, column ([A-Z]{1,3})\b)?")
_CRITERION = re.compile(r"(?:^|› )criterion (\S+)(?: › (\w+))?")
_RESPONSE_FIELDS = ("rating", "value", "commentary", "moderated")
Located = tuple[Worksheet, str]


def write_receipt(source: Path, problems: Sequence[Problem]) -> bytes:
    """``source`` (an .xlsx return) with each problem marked on its cell and listed on a
    Problems sheet. The workbook is checked like any return before it is opened."""
    limits = Limits.from_env()
    data = read_bytes(source, limits)
    check_workbook(str(source), data, limits)
    wb = open_workbook(str(source), data, read_only=False, data_only=False)
    finder = _Finder(wb)
    marked: dict[tuple[str, str], list[Problem]] = {}
    rows: list[tuple[Problem, Located | None]] = []
    for problem in problems:
        found = finder.locate(problem)
        rows.append((problem, found))
        if found is not None:
            marked.setdefault((found[0].title, found[1]), []).append(problem)
    for (title, coordinate), listed in marked.items():
        cell = wb[title][coordinate]
        if isinstance(cell, Cell):  # a merged cell holds no comment: listed only
            _mark(cell, listed)
    _problems_sheet(wb, rows)
    stamp = wb.properties.modified or STAMP
    return workbook_bytes(wb, stamp, ours=False)


def _mark(cell: Cell, problems: list[Problem]) -> None:
    level = "error" if any(p.level == "error" for p in problems) else "warning"
    cell.fill = FILLS[level]
    cell.border = MARK
    text = "\n".join(f"{p.level}: {p.message}" for p in problems)
    comment = Comment(text[:30_000], "safeguard-qa")
    comment.width, comment.height = 320, 40 + 40 * len(problems)
    cell.comment = comment


class _Finder:
    """Finds the cell a problem's place names in the workbook."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.titles = sorted(wb.sheetnames, key=len, reverse=True)  # longest match first
        self.responses = self._keyed("response.criterion")
        self.details = self._keyed("return.field")

    def _keyed(self, key: str) -> tuple[Worksheet, dict[str, int]] | None:
        """The sheet whose hidden key row holds ``key``, and its columns by key."""
        for ws in self.wb.worksheets:
            columns = {
                str(cell.value): cell.column
                for cell in ws[KEY_ROW]
                if isinstance(cell.value, str) and isinstance(cell.column, int)
            }
            if key in columns:
                return ws, columns
        return None

    def locate(self, problem: Problem) -> Located | None:
        place = problem.place
        if place.startswith("sheet "):
            return self._on_sheet(place.removeprefix("sheet "))
        criterion = _CRITERION.search(place)
        if criterion is not None:
            return self._response(criterion.group(1), criterion.group(2))
        return self._detail(place.replace(" › ", "."))

    def _on_sheet(self, rest: str) -> Located | None:
        for title in self.titles:
            if not rest.startswith(title):
                continue
            where = _ROW_COLUMN.match(rest[len(title) :])
            if where is None:
                continue
            ws = self.wb[title]
            row = int(where.group(1))
            letters = where.group(2) or _first_visible(ws)
            if column_index_from_string(letters) > 16_384 or row > 1_048_576:
                return None
            return ws, f"{letters}{row}"
        return None

    def _response(self, criterion: str, field: str | None) -> Located | None:
        if self.responses is None:
            return None
        ws, columns = self.responses
        ref = columns["response.criterion"]
        for row in range(KEY_ROW + 1, ws.max_row + 1):
            if str(ws.cell(row=row, column=ref).value).strip() == criterion:
                key = f"response.{field}" if field in _RESPONSE_FIELDS else ""
                column = columns.get(key, ref)
                return ws, f"{get_column_letter(column)}{row}"
        return None

    def _detail(self, key: str) -> Located | None:
        if self.details is None or key not in RETURN_FIELD_BY_KEY:
            return None
        ws, columns = self.details
        key_column, answer = columns["return.field"], columns.get("return.value")
        if answer is None:
            return None
        for row in range(KEY_ROW + 1, ws.max_row + 1):
            if ws.cell(row=row, column=key_column).value == key:
                return ws, f"{get_column_letter(answer)}{row}"
        return None


def _first_visible(ws: Worksheet) -> str:
    for number in range(1, 20):
        letter = get_column_letter(number)
        if not ws.column_dimensions[letter].hidden:
            return letter
    return "A"


def _problems_sheet(wb: Workbook, rows: list[tuple[Problem, Located | None]]) -> None:
    title = "Problems"
    while title in wb.sheetnames:
        title += " (safeguard-qa)"
    ws = wb.create_sheet(title, 0)
    headers = [("Sheet", 16), ("Cell", 8), ("Level", 9), ("Problem", 100)]
    for column, (header, width) in enumerate(headers, 1):
        cell = put(ws, 1, column, header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        ws.column_dimensions[get_column_letter(column)].width = width
    for number, (problem, found) in enumerate(rows, 2):
        sheet, coordinate = (found[0].title, found[1]) if found else ("", "")
        put(ws, number, 1, sheet)
        link = put(ws, number, 2, coordinate)
        if found is not None:
            link.hyperlink = f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{coordinate}"
            link.font = Font(color="0563C1", underline="single")
        put(ws, number, 3, problem.level)
        where = f"{problem.place}: " if problem.place and found is None else ""
        put(ws, number, 4, f"{where}{problem.message}").alignment = WRAP
    if not rows:
        put(ws, 2, 4, "No problems found.")
    ws.freeze_panes = "A2"
    wb.active = 0
    for other in wb.worksheets[1:]:
        if isinstance(other, Worksheet):
            other.sheet_view.tabSelected = False
