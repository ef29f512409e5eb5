"""The agency reviewer's form as an Excel workbook, written and read back.

One sheet per agency review (case and agency): the review's details at the top, then one row
per domain with a drop-down of the scale's grade labels and a column for the evidence. Read
back, each sheet becomes an :class:`AgencyReview`, validated like the YAML form (privacy
included), with problems placed by sheet and cell.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safeguard_qa.audit.loaders import AuditError
from safeguard_qa.audit.models import AgencyReview, AuditRound
from safeguard_qa.audit.places import placed_problems
from safeguard_qa.errors import Problem
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.scale import Scale
from safeguard_qa.report.safe import neutralise

FIRST_DOMAIN_ROW = 8
DETAILS = ("case", "agency", "reviewer_role", "practitioner_involved", "strengths", "gaps")
LABELS = {
    "case": "Case reference",
    "agency": "Agency",
    "reviewer_role": "Reviewer's role (not a name)",
    "practitioner_involved": "Practitioner took part (yes/no)",
    "strengths": "Strengths",
    "gaps": "Gaps",
}


def reviewer_form(audit: AuditRound, tool: Framework, scale: Scale, agency: str) -> bytes:
    """A workbook for ``agency``: one sheet for each sampled case it is involved in."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    cases = [c for c in audit.cases if agency in c.agencies]
    if not cases:
        raise AuditError.single(
            "--agency", "", f"agency {agency!r} is not involved in any case of this round"
        )
    book = Workbook()
    for default_sheet in list(book.worksheets):
        book.remove(default_sheet)
    labels = [lv.label for lv in reversed(scale.ordered)]
    for case in cases:
        sheet = book.create_sheet(title=_sheet_title(case.ref))
        sheet["A1"] = f"Case-file audit {audit.round.id}: {audit.round.theme}"
        values = {"case": case.ref, "agency": agency, "practitioner_involved": "no"}
        for row, key in enumerate(DETAILS, start=2):
            sheet.cell(row=row, column=1, value=LABELS[key])
            sheet.cell(row=row, column=2, value=values.get(key, ""))
        sheet.cell(row=FIRST_DOMAIN_ROW - 1, column=1, value="Domain id")
        sheet.cell(row=FIRST_DOMAIN_ROW - 1, column=2, value="Domain")
        sheet.cell(row=FIRST_DOMAIN_ROW - 1, column=3, value="Grade")
        sheet.cell(row=FIRST_DOMAIN_ROW - 1, column=4, value="Evidence from the file")
        choice = DataValidation(
            type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True
        )
        choice.error = "Choose a grade from the list"
        sheet.add_data_validation(choice)
        for offset, criterion in enumerate(tool.criteria.values()):
            row = FIRST_DOMAIN_ROW + offset
            sheet.cell(row=row, column=1, value=criterion.id)
            sheet.cell(row=row, column=2, value=neutralise(criterion.text.split(":")[0]))
            choice.add(f"C{row}")
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 45
        sheet.column_dimensions["C"].width = 22
        sheet.column_dimensions["D"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(ref: str) -> str:
    return ref.replace("/", "-").replace(":", "-")[:31]


def read_reviewer_form(path: Path, scale: Scale) -> list[AgencyReview]:
    """The reviews in a filled-in form; AuditError listing every problem by sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise AuditError.single(
            str(path), "", f"cannot read it as an Excel workbook ({type(exc).__name__})"
        ) from None
    reviews: list[AgencyReview] = []
    problems: list[Problem] = []
    try:
        for sheet in book.worksheets:
            rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
            raw, found = _sheet_data(rows, scale, f"{path}", sheet.title)
            problems.extend(found)
            try:
                reviews.append(AgencyReview.model_validate(raw))
            except ValidationError as exc:
                problems.extend(
                    Problem(p.file, f"sheet {sheet.title} › {p.place}", p.message)
                    for p in placed_problems(str(path), exc, raw, AgencyReview)
                )
    finally:
        book.close()
    if problems:
        raise AuditError(problems)
    return reviews


def _cell(rows: list[tuple[Any, ...]], row: int, column: int) -> Any:
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        return rows[row - 1][column - 1]
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _sheet_data(
    rows: list[tuple[Any, ...]], scale: Scale, file: str, title: str
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    for row, key in enumerate(DETAILS, start=2):
        raw[key] = _text(_cell(rows, row, 2))
    involved = raw["practitioner_involved"].casefold()
    raw["practitioner_involved"] = {"yes": True, "no": False}.get(involved, involved)
    by_label = {lv.label.casefold(): lv.id for lv in scale.levels}
    by_label.update({lv.id.casefold(): lv.id for lv in scale.levels})
    grades: dict[str, Any] = {}
    for row in range(FIRST_DOMAIN_ROW, len(rows) + 1):
        domain, grade = _text(_cell(rows, row, 1)), _text(_cell(rows, row, 3))
        if not domain or not grade:
            continue
        level = by_label.get(grade.casefold())
        if level is None:
            problems.append(
                Problem(
                    file,
                    f"sheet {title} › cell C{row}",
                    "the grade is not on the scale; expected one of: "
                    + ", ".join(lv.label for lv in reversed(scale.ordered)),
                )
            )
            continue
        grades[domain] = {"grade": level, "evidence": _text(_cell(rows, row, 4))}
    raw["grades"] = grades
    return raw, problems
