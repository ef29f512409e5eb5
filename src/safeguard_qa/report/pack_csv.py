"""The partnership view as one CSV table, for spreadsheets and other systems.

Like the evaluation CSV (:mod:`safeguard_qa.report.csvout`), every record is a row named in
the ``section`` column, and a column a section does not use is blank:

``status``
    one per expected or returning agency: returned, deadline, submitted, days late, sign-off.
``heatmap``
    one per agency and standard, and one with ``standard`` blank for the agency's overall:
    self, assured and moderated ratings and scores, the settled rating, the trend.
``criterion``
    one per criterion of each framework: agencies at each settled rating, the share amber
    or red, whether it is a theme.
``theme``
    one per theme (criterion or tag): its agencies, joined with ``; ``.
``trend_agency``, ``trend_standard``
    the overall settled rating per agency now and before; the mean settled score per
    standard.
``action``
    the action register, overdue first (the order of the report).
``agenda``
    one per flag on an agency's challenge agenda, in rank order, then the dismissed ones
    (``rank`` blank).

Every row that names a criterion carries its text (``criterion_text``). Scores and shares
are 0-1 numbers rounded to 4 decimals, here and in the Excel export (the pack shows them as
whole percentages). RAG values are ``red``, ``amber``, ``green``, ``blue`` or blank; yes/no
values are ``yes``/``no``; statuses are the ids of the JSON (``not_started``). Text from a
return is neutralised as in the evaluation CSV: never a formula, never a terminal command.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from safeguard_qa.analysis.partnership import (
    AgencyPack,
    AgendaItem,
    FrameworkView,
    HeatCell,
    PartnershipReport,
    settled,
)
from safeguard_qa.models.results import Ratings
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.csvout import EVIDENCE_JOIN, _line, _text

SCORE_DECIMALS = 4
"""Scores and shares in the data exports (CSV, Excel) are rounded to this many decimals."""
NAMES_JOIN = "; "
"""Agency names may hold commas: lists of them are joined with semicolons."""

COLUMNS = (
    "section",
    "framework",
    "framework_version",
    "agency_id",
    "agency_name",
    "agency_type",
    "standard",
    "standard_title",
    "criterion",
    "criterion_text",
    "self_rag",
    "assured_rag",
    "moderated_rag",
    "settled_rag",
    "self_score",
    "assured_score",
    "previous_rag",
    "previous_score",
    "current_score",
    "direction",
    "standards_improved",
    "standards_declined",
    "expected",
    "returned",
    "deadline",
    "submitted",
    "days_late",
    "signed_off",
    "sign_off_role",
    "rated",
    "unrated",
    "red",
    "amber",
    "green",
    "blue",
    "share",
    "theme",
    "theme_kind",
    "theme_key",
    "theme_label",
    "agencies",
    "number",
    "description",
    "owner",
    "due",
    "status",
    "completed",
    "overdue",
    "days_overdue",
    "rank",
    "severity",
    "rule",
    "message",
    "question",
    "evidence",
    "reason",
    "fingerprint",
)

Row = dict[str, Any]


def render_partnership(report: PartnershipReport, options: RenderOptions) -> str:
    """The header, then every section's rows."""
    return _line(COLUMNS) + "".join(
        _line([_text(row.get(column)) for column in COLUMNS]) for row in rows(report)
    )


def score(value: float | None) -> float | None:
    """A 0-1 score or share as the data exports give it: rounded to 4 decimals."""
    return None if value is None else round(value, SCORE_DECIMALS)


def rows(report: PartnershipReport) -> Iterator[Row]:
    """Every row of the partnership view, section by section."""
    texts = criterion_texts(report)
    yield from status_rows(report)
    for view in report.frameworks:
        yield from heatmap_rows(view)
        yield from criterion_rows(view)
    yield from theme_rows(report)
    yield from trend_rows(report)
    yield from action_rows(report, texts)
    for pack in report.agencies:
        yield from agenda_rows(pack)


def criterion_texts(report: PartnershipReport) -> dict[tuple[str, str], str]:
    """Criterion text by (agency id, criterion), from the framework each agency returned on."""
    by_framework = {
        (view.framework, view.version): {c.criterion: c.text for c in view.criteria}
        for view in report.frameworks
    }
    return {
        (pack.agency, criterion): text
        for pack in report.agencies
        for criterion, text in by_framework.get((pack.framework, pack.version), {}).items()
    }


def status_rows(report: PartnershipReport) -> Iterator[Row]:
    for s in report.status.agencies:
        yield {
            "section": "status",
            "framework": s.framework or s.expected_framework,
            "agency_id": s.agency,
            "agency_name": s.name,
            "agency_type": s.type,
            "expected": s.expected,
            "returned": s.returned,
            "deadline": s.deadline,
            "submitted": s.submitted,
            "days_late": s.days_late,
            "signed_off": s.signed_off if s.returned else None,
            "sign_off_role": s.sign_off_role,
        }


def _ratings(ratings: Ratings) -> Row:
    return {
        "self_rag": ratings.self_rag,
        "assured_rag": ratings.assured_rag,
        "moderated_rag": ratings.moderated_rag,
        "settled_rag": settled(ratings),
        "self_score": score(ratings.self_score),
        "assured_score": score(ratings.assured_score),
    }


def heatmap_rows(view: FrameworkView) -> Iterator[Row]:
    titles = {s.id: s.title for s in view.standards}
    base = {"section": "heatmap", "framework": view.framework, "framework_version": view.version}
    for row in view.heatmap:
        agency = {**base, "agency_id": row.agency, "agency_name": row.name}
        yield {**agency, **_ratings(row.overall), "direction": row.trend}
        for cell in row.cells:
            yield {**agency, **_cell(cell, titles)}


def _cell(cell: HeatCell, titles: Mapping[str, str]) -> Row:
    return {"standard": cell.standard, "standard_title": titles[cell.standard], **_ratings(cell)}


def criterion_rows(view: FrameworkView) -> Iterator[Row]:
    titles = {s.id: s.title for s in view.standards}
    for c in view.criteria:
        yield {
            "section": "criterion",
            "framework": view.framework,
            "framework_version": view.version,
            "standard": c.standard,
            "standard_title": titles.get(c.standard),
            "criterion": c.criterion,
            "criterion_text": c.text,
            "rated": c.rated,
            "unrated": c.unrated,
            "red": c.red,
            "amber": c.amber,
            "green": c.green,
            "blue": c.blue,
            "share": score(c.amber_or_red_share) if c.rated else None,
            "theme": c.theme,
        }


def theme_rows(report: PartnershipReport) -> Iterator[Row]:
    names = {s.agency: s.name for s in report.status.agencies}
    texts = {
        (view.framework, c.criterion): c.text for view in report.frameworks for c in view.criteria
    }
    for t in report.themes:
        single = t.kind == "criterion" and len(t.criteria) == 1
        yield {
            "section": "theme",
            "framework": t.framework,
            "criterion": t.criteria[0] if single else None,
            "criterion_text": texts.get((t.framework or "", t.criteria[0])) if single else None,
            "theme_kind": t.kind,
            "theme_key": t.key,
            "theme_label": t.label,
            "rated": t.rated,
            "share": score(t.share),
            "agencies": NAMES_JOIN.join(names.get(a, a) for a in t.agencies),
            "description": ", ".join(t.criteria) if not single else None,
        }


def trend_rows(report: PartnershipReport) -> Iterator[Row]:
    if report.trend is None:
        return
    for a in report.trend.agencies:
        yield {
            "section": "trend_agency",
            "agency_id": a.agency,
            "agency_name": a.name,
            "previous_rag": a.previous,
            "settled_rag": a.current,
            "direction": a.direction,
            "standards_improved": a.standards_improved,
            "standards_declined": a.standards_declined,
        }
    for s in report.trend.standards:
        yield {
            "section": "trend_standard",
            "framework": s.framework,
            "standard": s.standard,
            "standard_title": s.title,
            "rated": s.agencies,
            "previous_score": score(s.previous_score),
            "current_score": score(s.current_score),
            "direction": s.direction,
        }


def action_rows(report: PartnershipReport, texts: Mapping[tuple[str, str], str]) -> Iterator[Row]:
    frameworks = {p.agency: (p.framework, p.version) for p in report.agencies}
    for a in report.actions:
        framework, version = frameworks.get(a.agency, (None, None))
        yield {
            "section": "action",
            "framework": framework,
            "framework_version": version,
            "agency_id": a.agency,
            "agency_name": a.name,
            "standard": a.standard,
            "criterion": a.criterion,
            "criterion_text": texts.get((a.agency, a.criterion)),
            "number": a.number,
            "description": a.description,
            "owner": a.owner,
            "due": a.due,
            "status": a.status,
            "completed": a.completed,
            "overdue": a.overdue,
            "days_overdue": a.days_overdue,
        }


def agenda_rows(pack: AgencyPack) -> Iterator[Row]:
    base = {
        "section": "agenda",
        "framework": pack.framework,
        "framework_version": pack.version,
        "agency_id": pack.agency,
        "agency_name": pack.name,
        "agency_type": pack.type,
    }
    for item in (*pack.agenda, *pack.dismissed):
        yield {**base, **agenda_item(item)}


def agenda_item(item: AgendaItem) -> Row:
    """One agenda item's own columns (the agency's are the caller's)."""
    return {
        "rank": item.rank,
        "standard": item.standard,
        "criterion": item.criterion,
        "criterion_text": item.criterion_text or None,
        **_ratings(item),
        "severity": item.severity.value,
        "status": item.status,
        "rule": item.rule,
        "message": item.message,
        "question": item.question,
        "evidence": EVIDENCE_JOIN.join(item.evidence),
        "reason": item.reason,
        "fingerprint": item.fingerprint,
    }
