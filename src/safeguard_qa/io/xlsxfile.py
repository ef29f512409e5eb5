"""Returns as Excel workbooks: the template agencies fill in, and how it is read back.

Sheets, in order:

``Instructions``
    how to fill the workbook in, and what each rating means.
``Return``
    the agency, the period and the sign-off: one detail per row (label, then answer).
``Responses``
    one row per criterion: Ref, the criterion and its evidence prompts (when written from a
    framework), Rating (a drop-down of the scale's levels as people know them, "Partially
    met" or "1 - fully embedded", with "N/A" where the scale allows it; none on a numeric
    item, which is answered by its Figure), Figure (for indicators), Commentary and the
    panel's Moderated rating. Ratings are coloured red, amber, green or blue by conditional
    formatting, so the colour follows whatever is picked.
``Evidence``
    one row per piece of evidence: Ref of the criterion, what it is, document or link, date.
``Actions``
    the action plan: Ref, action, owner, due date, status (a drop-down) and completion date.
``_meta`` (hidden)
    the layout version and the framework the workbook was made for.
``_lists`` (hidden, only when needed)
    drop-down lists too long, or with commas, for Excel to hold inline.

Written from a framework, the sheets are protected without a password so that the criteria
and hidden keys are not changed by accident; every cell an agency answers in is unlocked,
and rows may be sorted and resized (Evidence and Actions rows added and deleted too). Each
sheet prints landscape on A4, fitted to the page width, with its header row on every page.

What makes a sheet readable is hidden from view: the first row of each sheet holds a key for
every column (``response.rating``, ``evidence.date``...), and the first column of the
Responses, Evidence and Actions sheets holds each row's original position. Sheets are
found by those keys, columns by their key and rows are put back in their original order,
so renaming sheets or headers, moving columns, and sorting or moving rows all read back the
same return. Columns a person adds (with no key) are ignored.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from safeguard_qa.errors import Problem, ReturnError
from safeguard_qa.io.layout import (
    ACTION_STATUSES,
    RECORD_FIELDS,
    RECORD_KINDS,
    RETURN_FIELD_BY_KEY,
    RETURN_FIELDS,
    Details,
    Field,
    Guide,
    RecordKind,
    criterion_guide,
    level_display,
    na_note,
)
from safeguard_qa.io.tabular import Cell, Row, Table
from safeguard_qa.io.workbook import (
    DATE_FORMAT,
    GIVEN_FILL,
    TOP,
    WRAP,
    fit_row,
    put,
    style_header,
    unescape_text,
    workbook_bytes,
)
from safeguard_qa.io.xlsxcheck import check_workbook
from safeguard_qa.loaders.files import Limits, read_bytes, within_limit
from safeguard_qa.models.returns import Response
from safeguard_qa.models.scale import RAG, Scale

LAYOUT = 1
KEY_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3
SHEET_TITLES: dict[str, str] = {
    "return": "Return",
    "response": "Responses",
    "evidence": "Evidence",
    "action": "Actions",
}
ORDER = Field("order", "#", "number", 5)
INFO_FIELDS = (
    Field("standard", "Standard", "text", 24),
    Field("text", "Criterion", "text", 60),
)
FIND_KEYS_IN_ROWS = 10
STAMP = dt.datetime(2000, 1, 1)
MAX_LIST_CHARS = 255  # Excel rejects a longer inline drop-down list: those go on _lists
FRACTION_FORMAT = "0.0##############"  # a figure below 1 written so it never reads as a fraction
RAG_FILLS = {
    RAG.RED: PatternFill("solid", fgColor="FFC7CE"),
    RAG.AMBER: PatternFill("solid", fgColor="FFEB9C"),
    RAG.GREEN: PatternFill("solid", fgColor="C6EFCE"),
    RAG.BLUE: PatternFill("solid", fgColor="BDD7EE"),
}
OPEN = Protection(locked=False)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a sheet: its hidden key (``response.rating``) and how it is shown."""

    key: str
    field: Field


def _columns(kind: RecordKind, guide: Guide | None) -> list[Column]:
    fields = RECORD_FIELDS[kind]
    columns = [Column(f"{kind}.order", ORDER), Column(f"{kind}.criterion", fields[0])]
    if kind == "response" and guide is not None:
        columns += [Column(f"info.{f.key}", f) for f in INFO_FIELDS]
    return columns + [Column(f"{kind}.{f.key}", f) for f in fields[1:]]


# --- writing -------------------------------------------------------------------------


def write_xlsx(
    details: Details,
    responses: Sequence[Response],
    guide: Guide | None,
    *,
    spare_rows: int = 20,
    stamp: dt.datetime = STAMP,
) -> bytes:
    """The workbook of a return (or a blank one made from a framework's guide)."""
    wb = Workbook()
    instructions = wb.active
    assert instructions is not None, "a new workbook has a sheet"
    _instructions(instructions, guide)
    lists = _Lists(wb)
    _return_sheet(wb.create_sheet(SHEET_TITLES["return"]), details, guide)
    refs = _responses_sheet(wb.create_sheet(SHEET_TITLES["response"]), responses, guide, lists)
    for kind in ("evidence", "action"):
        ws = wb.create_sheet(SHEET_TITLES[kind])
        _items_sheet(ws, kind, responses, refs, spare_rows, guide is not None)
    _meta_sheet(wb.create_sheet("_meta"), details)
    lists.finish()
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            _print_setup(ws, landscape=ws is not instructions)
    return workbook_bytes(wb, stamp)


class _Lists:
    """Drop-down lists Excel cannot hold inline (over 255 characters, or with a comma), each
    in a column of a hidden ``_lists`` sheet, made only when one is needed."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ranges: dict[tuple[str, ...], str] = {}
        self.sheet: Worksheet | None = None

    def formula(self, choices: tuple[str, ...]) -> str:
        text = ",".join(choices)
        if len(text) <= MAX_LIST_CHARS and not any("," in c or '"' in c for c in choices):
            return f'"{text}"'
        if choices not in self.ranges:
            if self.sheet is None:
                self.sheet = self.wb.create_sheet("_lists")
            column = len(self.ranges) + 1
            for row, choice in enumerate(choices, 1):
                put(self.sheet, row, column, choice)
            letter = get_column_letter(column)
            self.ranges[choices] = f"'_lists'!${letter}$1:${letter}${len(choices)}"
        return self.ranges[choices]

    def finish(self) -> None:
        if self.sheet is not None:
            self.sheet.sheet_state = "hidden"


def _print_setup(ws: Worksheet, *, landscape: bool) -> None:
    """A4, fitted to the page width, the header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if landscape:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _protect(ws: Worksheet, *, rows_change: bool) -> None:
    """Protected without a password: answer cells are unlocked; columns and rows may be
    resized and rows sorted (and, on the Evidence and Actions sheets, added and deleted)."""
    protection = ws.protection
    protection.sheet = True
    protection.formatCells = False
    protection.formatColumns = False
    protection.formatRows = False
    protection.sort = False
    protection.autoFilter = False
    protection.insertRows = not rows_change
    protection.deleteRows = not rows_change


def _start_sheet(ws: Worksheet, columns: list[Column], freeze: str) -> list[int]:
    """The hidden key row, the header row, widths and frozen panes; the widths."""
    widths = [c.field.width for c in columns]
    for number, column in enumerate(columns, 1):
        put(ws, KEY_ROW, number, column.key)
        put(ws, HEADER_ROW, number, column.field.label)
    ws.row_dimensions[KEY_ROW].hidden = True
    style_header(ws, HEADER_ROW, widths)
    ws.freeze_panes = freeze
    return widths


def _instructions(ws: Worksheet, guide: Guide | None) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 110
    title = guide.framework.title if guide else "Safeguarding self-assessment return"
    lines: list[str] = [title]
    if guide is not None:
        lines.append(f"Framework {guide.framework.id}, version {guide.framework.version}")
    lines += [
        "",
        "How to fill this in",
        "1. Return: your agency's details, the period the return covers and who signed it off.",
        "2. Responses: one row per criterion. Pick a Rating from the drop-down list, give a "
        "Figure where the item asks for one, and say in Commentary how you know.",
        "3. Evidence: one row per piece of evidence. Put the criterion's Ref in the first "
        "column, say what the evidence is, where it is kept, and its date.",
        "4. Actions: your action plan. One row per action, with the criterion's Ref, the "
        "owner's role, the due date and the status.",
        "Enter dates as dates (for example 31/01/2025, or 31 Jan 2025): dates are read day "
        "first, as in England. A percentage may be typed as 82 or 82%. Leave the Moderated "
        "rating column to the scrutiny panel.",
        "The sheets are protected, with no password, so that the criteria and the hidden keys "
        "are not changed by accident; every cell you answer in is open. To change anything "
        "else use Review > Unprotect Sheet. You may sort rows, rename headers and add columns "
        "of your own. Do not delete the hidden first row or hidden first column of a sheet: "
        "they let the return be read back.",
    ]
    for scale in guide.used_scales() if guide else []:
        lines += ["", f"Rating scale: {scale.title} ({scale.id})"]
        lines += [
            f"  {level_display(scale, lv.id)}" + (f": {lv.description}" if lv.description else "")
            for lv in scale.levels
        ]
        lines.append(f"  {na_note(scale)}")
    for number, line in enumerate(lines, 1):
        cell = put(ws, number, 1, line)
        cell.alignment = WRAP
        if number == 1 or line in ("How to fill this in",) or line.startswith("Rating scale"):
            cell.font = Font(bold=True, size=14 if number == 1 else 11)
        fit_row(ws, number, [110])


def _return_sheet(ws: Worksheet, details: Details, guide: Guide | None) -> None:
    columns = [
        Column("return.field", Field("field", "Key", "id", 18)),
        Column("info.label", Field("label", "Detail", "text", 50)),
        Column("return.value", Field("value", "Answer", "text", 40)),
    ]
    _start_sheet(ws, columns, "A3")
    ws.column_dimensions["A"].hidden = True
    yes_no = _list_validation('"yes,no"', "Answer yes or no.")
    ws.add_data_validation(yes_no)
    types = list(guide.framework.applies_to) if guide is not None else []
    agency_types = _list_validation(f'"{",".join(types)}"', "The kind of agency making the return.")
    if types and len(",".join(types)) <= MAX_LIST_CHARS:
        ws.add_data_validation(agency_types)
    for row, spec in enumerate(RETURN_FIELDS, FIRST_ROW):
        put(ws, row, 1, spec.key)
        put(ws, row, 2, spec.label).alignment = WRAP
        value = details.get(spec.key)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        cell = put(ws, row, 3, value) if value is not None else ws.cell(row=row, column=3)
        cell.alignment = TOP
        if spec.kind == "date":
            cell.number_format = DATE_FORMAT
        if spec.kind == "bool":
            yes_no.add(cell.coordinate)
        if spec.key == "agency.type":
            agency_types.add(cell.coordinate)  # saved only when the sheet holds it
        if spec.key in ("framework", "framework_version") and value is not None:
            cell.fill = GIVEN_FILL
        else:
            cell.protection = OPEN
    if guide is not None:
        _protect(ws, rows_change=False)


def _responses_sheet(
    ws: Worksheet, responses: Sequence[Response], guide: Guide | None, lists: _Lists
) -> str:
    """The Responses sheet; the range of its Ref cells, for drop-downs on the other sheets."""
    columns = _columns("response", guide)
    widths = _start_sheet(ws, columns, "C3")
    ws.column_dimensions["A"].hidden = True
    validations: dict[tuple[str, ...], DataValidation] = {}
    coloured: dict[tuple[int, str], list[str]] = {}  # (column, scale id) -> rating cells
    for row, response in enumerate(responses, FIRST_ROW):
        values = _response_values(row - FIRST_ROW + 1, response, guide)
        for number, column in enumerate(columns, 1):
            cell = put(ws, row, number, values.get(column.key))
            cell.alignment = WRAP if column.field.kind == "text" else TOP
            if column.key.startswith("info."):
                cell.fill = GIVEN_FILL
            elif column.key == "response.value" and _fraction(cell.value):
                cell.number_format = FRACTION_FORMAT
            if guide is None:
                continue
            if column.key in ("response.rating", "response.moderated"):
                moderated = column.key == "response.moderated"
                choices = tuple(guide.choices(response.criterion, moderated=moderated))
                if not choices:
                    cell.fill = GIVEN_FILL  # nothing to rate: a narrative or numeric item
                    continue
                validation = validations.get(choices)
                if validation is None:
                    validation = _list_validation(lists.formula(choices), "Pick from the list.")
                    validations[choices] = validation
                    ws.add_data_validation(validation)
                validation.add(cell.coordinate)
                cell.protection = OPEN
                scale = guide.scales.get(response.criterion)
                if scale is not None:
                    coloured.setdefault((number, scale.id), []).append(cell.coordinate)
            elif column.key == "response.commentary" or (
                column.key == "response.value" and _is_numeric(guide, response.criterion)
            ):
                cell.protection = OPEN
        fit_row(ws, row, widths)
    if guide is not None:
        _rag_colours(ws, guide, coloured)
        _protect(ws, rows_change=False)
    last = FIRST_ROW + max(len(responses), 1) - 1
    ref_column = get_column_letter(2)
    return f"'{ws.title}'!${ref_column}${FIRST_ROW}:${ref_column}${last}"


def _fraction(value: object) -> bool:
    return isinstance(value, float) and 0 < value < 1


def _is_numeric(guide: Guide, criterion_id: str) -> bool:
    criterion = guide.framework.criteria.get(criterion_id)
    return criterion is not None and criterion.answer.type == "numeric"


def _rag_colours(ws: Worksheet, guide: Guide, coloured: dict[tuple[int, str], list[str]]) -> None:
    """Each rating cell filled with its level's colour, whatever is typed or picked: conditional
    formatting, one rule per level and column (Excel compares text ignoring case)."""
    scales = {scale.id: scale for scale in guide.used_scales()}
    for (_, scale_id), cells in sorted(coloured.items()):
        first = cells[0]
        for level in scales[scale_id].levels:
            rule = Rule(
                type="expression",
                formula=[_level_test(first, scales[scale_id], level.id)],
                dxf=DifferentialStyle(fill=RAG_FILLS[level.rag]),
                stopIfTrue=True,
            )
            ws.conditional_formatting.add(" ".join(cells), rule)


def _level_test(cell: str, scale: Scale, level_id: str) -> str:
    """An Excel formula true when ``cell`` holds the level: its id, its display or, for a
    number id, the number Excel makes of it."""
    texts = dict.fromkeys([level_id, level_display(scale, level_id)])
    tests = [f'{cell}="{text.replace(chr(34), chr(34) * 2)}"' for text in texts]
    if level_id.isdigit():
        tests.append(f"{cell}={int(level_id)}")
    return f"OR({','.join(tests)})"


def _response_values(order: int, response: Response, guide: Guide | None) -> dict[str, object]:
    values: dict[str, object] = {
        "response.order": order,
        "response.criterion": response.criterion,
        "response.rating": response.rating,
        "response.value": response.value,
        "response.commentary": response.commentary or None,
        "response.moderated": response.moderated,
    }
    if guide is not None and response.criterion in guide.framework.criteria:
        values["info.standard"] = _standard_title(guide, response.criterion)
        values["info.text"] = criterion_guide(guide, response.criterion)
    return values


def _standard_title(guide: Guide, criterion_id: str) -> str:
    standard = guide.framework.standard_of[criterion_id]
    return f"{standard.id} {standard.title}"


def _list_validation(formula: str, prompt: str) -> DataValidation:
    """A drop-down of ``formula``: an inline ``"a,b,c"`` list or a range of cells."""
    shown = formula.strip('"').replace(",", ", ") if formula.startswith('"') else ""
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not on the list",
        error=(f"Expected one of: {shown}" if shown else "Pick a value from the list.")[:255],
        promptTitle="Choose",
        prompt=prompt,
        showInputMessage=True,
    )


def _items_sheet(
    ws: Worksheet,
    kind: RecordKind,
    responses: Sequence[Response],
    refs: str,
    spare_rows: int,
    protect: bool,
) -> None:
    """The Evidence or Actions sheet: the return's items, then blank rows ready to fill."""
    columns = _columns(kind, None)
    widths = _start_sheet(ws, columns, "C3")
    ws.column_dimensions["A"].hidden = True
    row = FIRST_ROW
    for values in _item_values(kind, responses):
        _write_row(ws, row, columns, values)
        fit_row(ws, row, widths)
        row += 1
    last = row + spare_rows - 1
    for blank in range(row, last + 1):
        _write_row(ws, blank, columns, {})  # formatted, so dates typed in are dates
    _item_validations(ws, columns, refs, last)
    if protect:
        _protect(ws, rows_change=True)


def _write_row(ws: Worksheet, row: int, columns: list[Column], values: dict[str, object]) -> None:
    for number, column in enumerate(columns, 1):
        cell = put(ws, row, number, values.get(column.key))
        cell.alignment = WRAP if column.field.kind == "text" else TOP
        if number > 1:  # the hidden first column keeps the row's place: locked
            cell.protection = OPEN
        if column.field.kind == "date":
            cell.number_format = DATE_FORMAT


def _item_values(kind: RecordKind, responses: Sequence[Response]) -> Iterator[dict[str, object]]:
    order = 0
    for response in responses:
        items = response.evidence if kind == "evidence" else response.actions
        for item in items:
            order += 1
            values: dict[str, object] = {
                f"{kind}.order": order,
                f"{kind}.criterion": response.criterion,
            }
            for key, value in item.model_dump().items():
                values[f"{kind}.{key}"] = value if value != "" else None
            yield values


def _item_validations(ws: Worksheet, columns: list[Column], refs: str, last: int) -> None:
    for number, column in enumerate(columns, 1):
        letter = get_column_letter(number)
        cells = f"{letter}{FIRST_ROW}:{letter}{max(last, FIRST_ROW)}"
        validation: DataValidation | None = None
        if column.field.key == "criterion":  # OOXML formulas carry no leading "="
            validation = _list_validation(refs, "The Ref of the criterion, from Responses.")
        elif column.field.kind == "status":
            validation = _list_validation(f'"{",".join(ACTION_STATUSES)}"', "The status.")
        elif column.field.kind == "date":
            validation = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="1",  # 1 January 1900: any real date
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                error="Enter a date, for example 31/01/2025.",
            )
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(cells)


def _meta_sheet(ws: Worksheet, details: Details) -> None:
    rows = [
        ("format", "safeguard-qa return"),
        ("layout", LAYOUT),
        ("framework", details.get("framework")),
        ("framework_version", details.get("framework_version")),
    ]
    for number, (key, value) in enumerate(rows, 1):
        put(ws, number, 1, key)
        if value is not None:
            put(ws, number, 2, value)
    ws.sheet_state = "hidden"


# --- reading -------------------------------------------------------------------------

RawRow = list[tuple[object, str]]
"""One row as read: each cell's value and number format, from column A."""


@dataclass
class _Sheet:
    """A sheet holding part of a return, with its key row found."""

    title: str
    role: str
    keys: dict[int, str]  # column number -> field key, for the role's columns
    labels: dict[int, str]
    rows: list[tuple[int, RawRow]]

    def place(self, row: int, column: int | None = None) -> str:
        if column is None:
            return f"sheet {self.title}, row {row}"
        label = self.labels.get(column, "")
        named = f" ({label})" if label else ""
        return f"sheet {self.title}, row {row}, column {get_column_letter(column)}{named}"


def read_xlsx_table(path: Path, limits: Limits) -> Table:
    """The cells of an XLSX return; a ReturnError naming sheet, row and column.

    Every part of the workbook is checked (sizes, XML, entities, cell counts) before openpyxl
    parses any; cached values of formulas are read, and a formula with none is an error."""
    return xlsx_table(read_bytes(path, limits), str(path), limits)


def xlsx_table(data: bytes, file: str, limits: Limits) -> Table:
    """The cells of a workbook's bytes (checked as :func:`read_xlsx_table` says)."""
    data = within_limit(data, file, limits)
    parts = check_workbook(file, data, limits)
    reader = _XlsxReader(file, limits.max_nodes, parts.unsaved_formulas())
    try:
        sheets = reader.sheets(open_workbook(file, data))
    except ReturnError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _unreadable(file, exc) from None
    table = reader.table(sheets)
    if reader.problems:
        raise ReturnError(reader.problems)
    return table


def open_workbook(
    file: str, data: bytes, *, read_only: bool = True, data_only: bool = True
) -> Workbook:
    """openpyxl's workbook of bytes that :func:`check_workbook` has passed: by default the
    saved values of formulas, not the formulas."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            return load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _unreadable(file, exc) from None


def _unreadable(file: str, exc: Exception) -> ReturnError:
    message = (
        f"the workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}); open it in "
        "Excel and save it again"
    )
    return ReturnError([Problem(file, "", message)])


UNSAVED_FORMULA = "a formula with no saved value: open the file in Excel and save it"


class _XlsxReader:
    def __init__(self, file: str, max_cells: int, unsaved: dict[str, frozenset[str]]) -> None:
        self.file = file
        self.budget = max_cells
        self.unsaved = unsaved
        self.problems: list[Problem] = []

    def problem(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def sheets(self, wb: Workbook) -> dict[str, _Sheet]:
        found: dict[str, _Sheet] = {}
        try:
            for ws in wb.worksheets:
                rows = self._rows(ws)
                if ws.title == "_meta":
                    self._check_meta(rows)
                    continue
                sheet = self._sheet(ws.title, rows)
                if sheet is None:
                    continue
                if sheet.role in found:
                    self.problem(
                        f"sheet {sheet.title}",
                        f"holds {SHEET_TITLES[sheet.role]} like sheet {found[sheet.role].title}; "
                        "keep one",
                    )
                found[sheet.role] = sheet
        finally:
            wb.close()
        for role in ("return", "response"):
            if role not in found and not self.problems:
                self.problem(
                    "",
                    f"no {SHEET_TITLES[role]} sheet found: expected a sheet whose hidden first "
                    f"row holds the key {role}.{'field' if role == 'return' else 'criterion'} "
                    "(make returns from 'safeguard-qa template' and keep its hidden rows)",
                )
        return found

    def _rows(self, ws: Any) -> list[tuple[int, RawRow]]:
        """Every row with something in it, as (row number, cells); bounded by the budget."""
        rows: list[tuple[int, RawRow]] = []
        ws.reset_dimensions()  # the stored size may be wrong: read what is there
        for number, cells in enumerate(ws.iter_rows(), 1):
            self.budget -= 1 + len(cells)
            if self.budget < 0:
                raise ReturnError.single(
                    self.file,
                    f"sheet {ws.title}",
                    "the workbook has too many cells "
                    "(raise SAFEGUARD_QA_MAX_NODES if it is genuine)",
                )
            raw = [(c.value, getattr(c, "number_format", "") or "") for c in cells]
            if any(value is not None for value, _ in raw):
                rows.append((number, raw))
        return rows

    def _check_meta(self, rows: list[tuple[int, RawRow]]) -> None:
        for number, raw in rows:
            layout = raw[1][0] if len(raw) > 1 and raw[0][0] == "layout" else None
            if isinstance(layout, int | float) and layout > LAYOUT:
                self.problem(
                    f"sheet _meta, row {number}",
                    f"made with a newer safeguard-qa (layout {layout:g}); "
                    f"this version reads layout {LAYOUT}: upgrade safeguard-qa",
                )

    def _sheet(self, title: str, rows: list[tuple[int, RawRow]]) -> _Sheet | None:
        """The sheet's role and columns, from the first row holding known keys."""
        for index, (number, raw) in enumerate(rows[:FIND_KEYS_IN_ROWS]):
            keys = {
                col: str(value)
                for col, (value, _) in enumerate(raw, 1)
                if isinstance(value, str) and value.split(".", 1)[0] in SHEET_TITLES
            }
            if not keys:
                continue
            roles = {key.split(".", 1)[0] for key in keys.values()}
            if len(roles) > 1:
                self.problem(
                    f"sheet {title}, row {number}",
                    f"the hidden key row mixes {', '.join(sorted(roles))}: one kind per sheet",
                )
                return None
            header_row = number + 1  # the visible headers: any wording, never data
            header = dict(rows).get(header_row, [])
            labels = {col: str(value) for col, (value, _) in enumerate(header, 1) if value}
            data = [(n, cells) for n, cells in rows[index + 1 :] if n > header_row]
            return _Sheet(title, roles.pop(), keys, labels, data)
        return None

    def table(self, sheets: dict[str, _Sheet]) -> Table:
        place = f"sheet {sheets['return'].title}" if "return" in sheets else "sheet Return"
        table = Table(self.file, place)
        if "return" in sheets:
            self._details(sheets["return"], table)
        for kind in RECORD_KINDS:
            if kind in sheets:
                table.rows[kind] = self._records(sheets[kind], kind)
        return table

    def _details(self, sheet: _Sheet, table: Table) -> None:
        key_col = _column_of(sheet, "return.field")
        value_col = _column_of(sheet, "return.value")
        if key_col is None or value_col is None:
            self.problem(f"sheet {sheet.title}", "the hidden key row is damaged")
            return
        seen: dict[str, int] = {}
        for number, raw in sheet.rows:
            key = _cell(raw, key_col)
            if not isinstance(key, str) or not key.strip():
                continue
            key = key.strip()
            spec = RETURN_FIELD_BY_KEY.get(key)
            if spec is None:
                self.problem(sheet.place(number, key_col), f"unknown detail key {key!r}")
                continue
            if key in seen:
                self.problem(
                    sheet.place(number, key_col), f"{key} is given twice (row {seen[key]})"
                )
                continue
            seen[key] = number
            cell = self._read(sheet, number, raw, value_col, spec)
            if cell is None:
                table.blank_places[key] = sheet.place(number, value_col)
            else:
                table.details[key] = cell

    def _records(self, sheet: _Sheet, kind: RecordKind) -> list[Row]:
        specs = {f"{kind}.{f.key}": f for f in RECORD_FIELDS[kind]}
        order_col = _column_of(sheet, f"{kind}.order")
        found: list[tuple[tuple[int, float], Row]] = []
        for number, raw in sheet.rows:
            cells: dict[str, Cell] = {}
            for column, key in sheet.keys.items():
                spec = specs.get(key)
                if spec is None:
                    continue
                cell = self._read(sheet, number, raw, column, spec)
                if cell is not None:
                    cells[spec.key] = cell
            if not cells:
                continue
            order = _cell(raw, order_col) if order_col is not None else None
            position = float(order) if isinstance(order, int | float) else None
            # rows keep their original position; rows a person added follow, in sheet order
            sort_key = (0, position) if position is not None else (1, float(number))
            found.append((sort_key, Row(sheet.place(number), cells)))
        found.sort(key=lambda pair: pair[0])
        return [row for _, row in found]

    def _read(
        self, sheet: _Sheet, number: int, raw: RawRow, column: int, spec: Field
    ) -> Cell | None:
        """The cell at ``column`` of row ``number``, or None when blank. A formula whose
        value was never saved (written by a program, not Excel) is an error, not a blank."""
        value = _value(raw, column, spec)
        if value is None:
            if f"{get_column_letter(column)}{number}" in self.unsaved.get(sheet.title, ()):
                self.problem(sheet.place(number, column), UNSAVED_FORMULA)
            return None
        number_format = raw[column - 1][1] if isinstance(value, int | float) else None
        return Cell(value, sheet.place(number, column), number_format)


def _column_of(sheet: _Sheet, key: str) -> int | None:
    return next((col for col, k in sheet.keys.items() if k == key), None)


def _cell(raw: RawRow, column: int | None) -> object:
    if column is None or column > len(raw):
        return None
    return raw[column - 1][0]


def _value(raw: RawRow, column: int, spec: Field) -> object:
    """The cell's value as the model field expects to see it, or None when blank."""
    if column > len(raw):
        return None
    value, number_format = raw[column - 1]
    if isinstance(value, str):
        value = unescape_text(value)
        if value == "" or (spec.kind != "text" and not value.strip()):
            return None
    if spec.kind == "number" and isinstance(value, float | int) and "%" in number_format:
        value = round(float(value) * 100, 9)  # Excel holds 87.5% as 0.875
    return value
