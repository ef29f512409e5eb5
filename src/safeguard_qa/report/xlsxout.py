"""Evaluations as an Excel workbook: Summary, Standards, Criteria and Flags sheets.

The rows are those of the CSV export (:mod:`safeguard_qa.report.csvout`), one sheet per
section, with a filter on each header. RAG values are written as words and shaded; text is
always stored as text, so nothing from a return can run as a formula. The file's bytes
depend only on the evaluations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from safeguard_qa.io.workbook import TOP, WRAP, fit_row, put, style_header, workbook_bytes
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.csvout import rows

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
EPOCH = dt.datetime(2000, 1, 1)


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None, "a new workbook has a sheet"
    wb.remove(first)
    by_section: dict[str, list[dict[str, object]]] = {section: [] for section, _ in SHEETS.values()}
    for ev in evaluations:
        for row in rows(ev):
            by_section[str(row["section"])].append(row)
    for title, (section, columns) in SHEETS.items():
        _sheet(wb.create_sheet(title), columns, by_section[section])
    latest = max((ev.as_of for ev in evaluations), default=EPOCH.date())
    return workbook_bytes(wb, dt.datetime.combine(latest, dt.time()))


def header_label(column: str) -> str:
    words = [LABELS.get(word, word) for word in column.split("_")]
    text = " ".join(words)
    return LABELS.get(column, text[:1].upper() + text[1:])


def _sheet(ws: Worksheet, columns: tuple[str, ...], records: list[dict[str, object]]) -> None:
    widths = [WIDE.get(column, max(12, len(column) + 2)) for column in columns]
    for number, column in enumerate(columns, 1):
        put(ws, 1, number, header_label(column))
    style_header(ws, 1, widths)
    ws.freeze_panes = "C2"
    for row, record in enumerate(records, 2):
        for number, column in enumerate(columns, 1):
            value = record.get(column)
            cell = put(ws, row, number, _cell_value(value))
            cell.alignment = WRAP if column in WIDE else TOP
            if isinstance(value, RAG):
                cell.fill = RAG_FILLS[value]
        fit_row(ws, row, widths)
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{max(len(records) + 1, 2)}"


def _cell_value(value: object) -> object:
    if isinstance(value, RAG):
        return value.value.capitalize()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
