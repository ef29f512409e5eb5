"""Evaluations as one CSV table, for spreadsheets and other systems.

One row per record, named in the ``section`` column, for each return in turn: ``overall``
(the return's overall ratings), ``standard`` (one per standard), ``criterion`` (one per
criterion) and ``flag`` (one per challenge flag, dismissed ones included). Every row
carries the return, agency and framework columns, so the file can be filtered or pivoted
as it is; a column a section does not use is blank. RAG values are ``red``, ``amber``,
``green``, ``blue`` or blank; yes/no values are ``yes``/``no``. A flag's ``evidence`` items
are joined with `` | ``.

Text that came from a return (names, evidence, commentary quoted in messages) is
neutralised by :mod:`safeguard_qa.report.safe`: a cell a spreadsheet would read as a
formula (``= + - @`` or a look-alike such as ``＝`` or ``−``, also behind leading spaces or
invisible characters; a leading tab or carriage return) gets a leading apostrophe, and
control characters other than tab and line breaks are shown as symbols (``␛``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from safeguard_qa.models.results import Evaluation, Ratings
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import neutralise, printable

COLUMNS = (
    "section",
    "return_id",
    "agency_id",
    "agency_name",
    "agency_type",
    "framework",
    "framework_version",
    "period_end",
    "standard",
    "title",
    "criterion",
    "answer_type",
    "self_level",
    "self_rag",
    "assured_rag",
    "moderated_level",
    "moderated_rag",
    "self_score",
    "assured_score",
    "value",
    "not_applicable",
    "answered",
    "flag_count",
    "fingerprint",
    "rule",
    "severity",
    "status",
    "message",
    "question",
    "evidence",
    "caps",
    "reason",
)
EVIDENCE_JOIN = " | "
CELL_WHITESPACE = "\t\n\r"
"""Control characters a cell keeps: CSV quotes them, and multi-line evidence needs them."""

Cells = dict[str, object]


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> str:
    return "".join(stream_evaluations(evaluations, len(evaluations), options))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[str]:
    """The header, then each evaluation's rows as it arrives."""
    yield _line(COLUMNS)
    for ev in evaluations:
        yield "".join(_line([_text(row.get(column)) for column in COLUMNS]) for row in rows(ev))


def rows(ev: Evaluation) -> Iterator[Cells]:
    """One evaluation's rows: overall, standards, criteria, then flags."""
    base: Cells = {
        "return_id": ev.return_id,
        "agency_id": ev.agency.id,
        "agency_name": ev.agency.name,
        "agency_type": ev.agency.type,
        "framework": ev.framework.id,
        "framework_version": ev.framework.version,
        "period_end": ev.period_end,
    }
    yield {**base, "section": "overall", **_ratings(ev.overall), "flag_count": len(ev.flags)}
    for standard in ev.standards:
        yield {
            **base,
            "section": "standard",
            "standard": standard.standard,
            "title": standard.title,
            **_ratings(standard),
        }
    for criterion in ev.criteria:
        yield {
            **base,
            "section": "criterion",
            "standard": criterion.standard,
            "criterion": criterion.criterion,
            "answer_type": criterion.answer_type,
            "self_level": criterion.self_level,
            "moderated_level": criterion.moderated_level,
            **_ratings(criterion),
            "value": criterion.value,
            "not_applicable": criterion.not_applicable,
            "answered": criterion.answered,
            "flag_count": len(criterion.flags),
        }
    for flag in ev.flags:
        yield {
            **base,
            "section": "flag",
            "standard": flag.standard,
            "criterion": flag.criterion,
            "fingerprint": flag.fingerprint,
            "rule": flag.rule,
            "severity": flag.severity.value,
            "status": flag.status,
            "message": flag.message,
            "question": flag.question,
            "evidence": EVIDENCE_JOIN.join(flag.evidence),
            "caps": flag.caps,
            "reason": flag.reason,
        }


def _ratings(ratings: Ratings) -> Cells:
    return {
        "self_rag": ratings.self_rag,
        "assured_rag": ratings.assured_rag,
        "moderated_rag": ratings.moderated_rag,
        "self_score": ratings.self_score,
        "assured_score": ratings.assured_score,
    }


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, RAG):
        return value.value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return cell_text(str(value))


def cell_text(text: str) -> str:
    """Text from a return as a CSV cell: never a formula, never a terminal command."""
    return neutralise(printable(text, keep=CELL_WHITESPACE))


def _line(cells: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
