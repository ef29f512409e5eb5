"""Plain-text tables for the terminal: standards with self and assured RAG, then the agenda.

Every text goes through :func:`~safeguard_qa.report.safe.printable`: a control character in
an agency name or a finding (``ESC`` starting a colour or cursor command, ``BEL``, ``NUL``,
``CR``) is shown as a symbol (``␛``) and never reaches the terminal. Table cells keep their
line breaks (the table shows them as extra lines); the heading lines keep none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from tabulate import tabulate

from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import printable


def line_text(text: object) -> str:
    """Text for a heading line: no control characters, no line breaks."""
    return printable(str(text))


def cell_text(text: object) -> str:
    """Text for a table cell: no control characters; line breaks become the cell's lines."""
    return printable(str(text), keep="\n")


def rag_text(rag: RAG | None) -> str:
    return rag.value.upper() if rag is not None else "-"


def render_evaluation(evaluation: Evaluation, options: RenderOptions) -> str:
    ev = evaluation
    lines = [
        line_text(
            f"{ev.agency.name} ({ev.agency.id}, {ev.agency.type}) — {ev.framework.id} "
            f"{ev.framework.version}, period {ev.period_start} to {ev.period_end}, "
            f"as of {ev.as_of}"
        ),
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
            cell_text(s.standard),
            cell_text(s.title),
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
    moderated = [c for c in ev.criteria if c.moderated_rag is not None]
    if moderated:
        lines += ["", "Moderated by the panel:"]
        lines.append(
            tabulate(
                [
                    [
                        cell_text(c.criterion),
                        cell_text(c.self_level or "-"),
                        rag_text(c.self_rag),
                        cell_text(c.moderated_level or "-"),
                        rag_text(c.moderated_rag),
                    ]
                    for c in moderated
                ],
                headers=["Criterion", "Self level", "Self", "Moderated level", "Moderated"],
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
            [
                i,
                f.severity.value,
                cell_text(f.criterion or "(return)"),
                cell_text(f.message),
                cell_text(f.question),
            ]
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
