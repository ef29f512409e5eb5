"""The partnership view for the terminal (``partnership --format table``): the return
status, one heatmap per framework, the themes, the trend and the overdue actions, as aligned
plain-text tables. Every text goes through :func:`~safeguard_qa.report.table.cell_text`, so
no control character from a return reaches the terminal."""

from __future__ import annotations

from tabulate import tabulate

from safeguard_qa.analysis.partnership import FrameworkView, PartnershipReport, settled
from safeguard_qa.contract import RenderOptions
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.table import cell_text, line_text

_LETTER = {RAG.RED: "R", RAG.AMBER: "A", RAG.GREEN: "G", RAG.BLUE: "B"}


def render_table(report: PartnershipReport, options: RenderOptions) -> str:
    title = "Partnership view" + (f": {report.partnership}" if report.partnership else "")
    period = f"returns for {report.period_start} to {report.period_end}, as of {report.as_of}"
    lines = [line_text(title), line_text(period), ""]
    lines += _status(report)
    for view in report.frameworks:
        lines += _heatmap(view)
    lines += _themes(report)
    lines += _trend(report)
    lines += _overdue(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _status(report: PartnershipReport) -> list[str]:
    status = report.status
    names = {a.agency: a.name for a in status.agencies}

    def who(ids: tuple[str, ...]) -> str:
        return ", ".join(cell_text(names.get(i, i)) for i in ids) or "none"

    rows = [
        ["Returns received", str(status.returned)],
        ["Not returned", who(status.missing)],
        ["Late", who(status.late)],
        ["Without sign-off", who(status.unsigned)],
    ]
    return [tabulate(rows, tablefmt="plain", maxcolwidths=[None, 80]), ""]


def _heatmap(view: FrameworkView) -> list[str]:
    headers = ["Agency", "Overall", *(cell_text(s.id) for s in view.standards)]
    rows = [
        [
            cell_text(row.name),
            _rag(settled(row.overall)),
            *(_rag(settled(cell)) for cell in row.cells),
        ]
        for row in view.heatmap
    ]
    return [
        line_text(f"{view.title} ({view.framework} {view.version}): settled rating by standard"),
        tabulate(rows, headers=headers, maxcolwidths=[40]),
        "R red, A amber, G green, B blue, - not rated",
        "",
    ]


def _themes(report: PartnershipReport) -> list[str]:
    if not report.themes:
        return []
    rows = [
        [cell_text(t.label), str(len(t.agencies)), str(t.rated), f"{round(t.share * 100)}%"]
        for t in report.themes
    ]
    headers = ["Partnership theme", "Amber or red", "Rated", "Share"]
    return [tabulate(rows, headers=headers, maxcolwidths=[60]), ""]


def _trend(report: PartnershipReport) -> list[str]:
    if report.trend is None:
        return []
    rows = [
        [cell_text(a.name), _rag(a.previous), _rag(a.current), a.direction]
        for a in report.trend.agencies
    ]
    headers = ["Agency", "Previous", "Now", "Trend"]
    return [tabulate(rows, headers=headers, maxcolwidths=[40]), ""]


def _overdue(report: PartnershipReport) -> list[str]:
    rows = [
        [cell_text(a.name), cell_text(a.criterion), cell_text(a.description), str(a.due)]
        for a in report.actions
        if a.overdue
    ]
    if not rows:
        return []
    headers = ["Overdue action of", "Criterion", "Action", "Due"]
    return [tabulate(rows, headers=headers, maxcolwidths=[30, None, 60, None]), ""]


def _rag(rag: RAG | None) -> str:
    return _LETTER[rag] if rag is not None else "-"
