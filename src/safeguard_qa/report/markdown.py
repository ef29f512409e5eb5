"""Evaluations in Markdown: per agency, the standards with their ratings, then the agenda.

Ratings are written as words (``Green``), never as colour alone. Text from a return is
escaped with :func:`~safeguard_qa.report.safe.markdown_text`, so it cannot break a table,
open a link (bare web addresses included), inject HTML or send control characters to a
terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from safeguard_qa.models.results import Evaluation, Flag
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import markdown_text as md


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> str:
    return "".join(stream_evaluations(evaluations, len(evaluations), options))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[str]:
    yield "# Safeguarding self-assessment results\n\n"
    empty = True
    for ev in evaluations:
        empty = False
        yield "\n".join(_evaluation(ev, options)) + "\n"
    if empty:
        yield "No returns were evaluated.\n"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A pipe table; cells must already be escaped with :func:`md`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def rag_word(rag: RAG | None) -> str:
    return rag.value.capitalize() if rag is not None else "–"


def _evaluation(ev: Evaluation, options: RenderOptions) -> list[str]:
    overall = ev.overall
    moderated = (
        f", moderated **{rag_word(overall.moderated_rag)}**" if overall.moderated_rag else ""
    )
    signed = f"signed off by the {md(ev.sign_off_role)}" if ev.sign_off_role else "not signed off"
    lines = [
        f"## {md(ev.agency.name)} ({md(ev.agency.id)})",
        "",
        f"{md(ev.agency.type)} · {md(ev.framework.id)} {md(ev.framework.version)} · period "
        f"{ev.period_start} to {ev.period_end} · as of {ev.as_of} · {signed}",
        "",
        f"Overall: self **{rag_word(overall.self_rag)}**, assured "
        f"**{rag_word(overall.assured_rag)}**{moderated}",
        "",
        *table(
            ["Standard", "Title", "Self", "Assured", "Moderated"],
            [
                [
                    md(s.standard),
                    md(s.title),
                    rag_word(s.self_rag),
                    rag_word(s.assured_rag),
                    rag_word(s.moderated_rag),
                ]
                for s in ev.standards
            ],
        ),
    ]
    return lines + _moderated(ev) + _flag_counts(ev.flags) + _agenda(ev.agenda_flags())


def _moderated(ev: Evaluation) -> list[str]:
    """The criteria the panel moderated: the agency's level beside the panel's."""
    rows = [
        [
            md(c.criterion),
            md(c.self_level or "–"),
            rag_word(c.self_rag),
            md(c.moderated_level or "–"),
            rag_word(c.moderated_rag),
        ]
        for c in ev.criteria
        if c.moderated_rag is not None
    ]
    if not rows:
        return []
    header = ["Criterion", "Self level", "Self", "Moderated level", "Moderated"]
    return ["### Moderated by the panel", "", *table(header, rows)]


def _flag_counts(flags: Sequence[Flag]) -> list[str]:
    counts = {sev: sum(1 for f in flags if f.severity == sev) for sev in ("high", "medium", "low")}
    dismissed = sum(1 for f in flags if f.status == "dismissed")
    return [
        f"**Flags:** {len(flags)} ({counts['high']} high, {counts['medium']} medium, "
        f"{counts['low']} low; {dismissed} dismissed)",
        "",
    ]


def _agenda(flags: list[Flag]) -> list[str]:
    lines = ["### Challenge agenda", ""]
    if not flags:
        return [*lines, "Nothing on the agenda.", ""]
    for number, flag in enumerate(flags, 1):
        where = md(flag.criterion) if flag.criterion else "Whole return"
        status = f" ({md(flag.status)})" if flag.status != "open" else ""
        lines.append(f"{number}. **{where}** · {flag.severity.value}{status}: {md(flag.message)}")
        lines.append(f"   - Question: {md(flag.question)}")
        lines += [f"   - Evidence: {md(item)}" for item in flag.evidence]
    return [*lines, ""]
