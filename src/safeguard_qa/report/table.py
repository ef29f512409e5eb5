"""Plain-text tables for the terminal: standards with self and assured RAG, then the agenda."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from tabulate import tabulate

from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions


def rag_text(rag: RAG | None) -> str:
    return rag.value.upper() if rag is not None else "-"


def render_evaluation(evaluation: Evaluation, options: RenderOptions) -> str:
    ev = evaluation
    lines = [
        f"{ev.agency.name} ({ev.agency.id}, {ev.agency.type}) — {ev.framework.id} "
        f"{ev.framework.version}, period {ev.period_start} to {ev.period_end}, as of {ev.as_of}",
        f"Overall: self {rag_text(ev.overall.self_rag)}, assured {rag_text(ev.overall.assured_rag)}"
        + (
            f", moderated {rag_text(ev.overall.moderated_rag)}"
            if ev.overall.moderated_rag is not None
            else ""
        ),
        "",
    ]
    rows = [
        [
            s.standard,
            s.title,
            rag_text(s.self_rag),
            rag_text(s.assured_rag),
            rag_text(s.moderated_rag),
        ]
        for s in ev.standards
    ]
    lines.append(
        tabulate(
            rows,
            headers=["Standard", "Title", "Self", "Assured", "Moderated"],
            maxcolwidths=[None, 50],
        )
    )
    counts = {
        sev: sum(1 for f in ev.flags if f.severity == sev) for sev in ("high", "medium", "low")
    }
    dismissed = sum(1 for f in ev.flags if f.status == "dismissed")
    lines += [
        "",
        f"Flags: {len(ev.flags)} ({counts['high']} high, {counts['medium']} medium, "
        f"{counts['low']} low; {dismissed} dismissed)",
    ]
    agenda = ev.agenda_flags()
    if agenda:
        lines += ["", f"Challenge agenda (top {len(agenda)}):"]
        rows2 = [
            [i, f.severity.value, f.criterion or "(return)", f.message, f.question]
            for i, f in enumerate(agenda, 1)
        ]
        lines.append(
            tabulate(
                rows2,
                headers=["#", "Severity", "Criterion", "Finding", "Question for the panel"],
                maxcolwidths=[None, None, None, 40, 50],
            )
        )
    return "\n".join(lines) + "\n"


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> str:
    return "".join(stream_evaluations(evaluations, len(evaluations), options))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[str]:
    for index, ev in enumerate(evaluations):
        yield ("\n" if index else "") + render_evaluation(ev, options)
