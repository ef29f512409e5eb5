"""The partnership view and the challenge-event pack in Markdown.

Text from a return is escaped before it reaches a Markdown line: HTML characters become
entities (many Markdown viewers pass raw HTML through), Markdown punctuation is
backslash-escaped so evidence cannot open a link or break a table, and line breaks are
folded so one answer stays in one table cell or list item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from safeguard_qa.analysis.partnership import (
    AgencyPack,
    AgendaItem,
    EvidenceNote,
    FrameworkView,
    HeatCell,
    PartnershipReport,
)
from safeguard_qa.models.results import Ratings
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import label, long_date, percent, rag_label, rag_letter

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
"""Punctuation that could open emphasis, code, a link or a table cell. Line-start markers
(``#``, ``-``, ``1.``) need no escape: :func:`md` folds text onto one line that never starts
a Markdown line of its own."""
_ARROW = {"improved": "▲ improved", "declined": "▼ declined", "unchanged": "= unchanged"}


def md(text: object) -> str:
    """``text`` safe for one Markdown line or table cell."""
    plain = " ".join(str(text).split())
    plain = "".join(_HTML.get(ch, ch) for ch in plain)
    return _MARKDOWN.sub(r"\\\1", plain)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A pipe table; cells must already be escaped with :func:`md`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def render_pack(report: PartnershipReport, options: RenderOptions) -> str:
    """The whole pack: summary, a section per agency, then the annexes."""
    lines = _title(report) + _summary(report, options)
    for pack in report.agencies:
        lines += _agency(pack)
    lines += _annexes(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def render_summary(report: PartnershipReport, options: RenderOptions) -> str:
    """The partnership view alone: summary, themes, trend and the action register."""
    lines = _title(report) + _summary(report, options) + _annexes(report, criteria=False)
    return "\n".join(lines).rstrip("\n") + "\n"


def _title(report: PartnershipReport) -> list[str]:
    name = f": {md(report.partnership)}" if report.partnership else ""
    cycle = f"Cycle {md(report.cycle)} · " if report.cycle else ""
    return [
        f"# Challenge-event pack{name}",
        "",
        f"{cycle}Returns for {long_date(report.period_start)} to "
        f"{long_date(report.period_end)} · as of {long_date(report.as_of)}",
        "",
    ]


# --- summary ------------------------------------------------------------------------------


def _summary(report: PartnershipReport, options: RenderOptions) -> list[str]:
    lines = ["## Partnership summary", "", *_figures(report), ""]
    for view in report.frameworks:
        lines += _heatmap(view, options, trend=report.trend is not None)
    lines += ["### Partnership themes", ""]
    if not report.themes:
        share = percent(report.theme_share)
        return [*lines, f"No criterion or topic has at least {share} of agencies amber or red.", ""]
    names = {s.agency: s.name for s in report.status.agencies}
    rows = [
        [
            md(f"{t.key}: {t.label}" if t.kind == "criterion" else t.label),
            "topic (tag)" if t.kind == "tag" else "criterion",
            f"{len(t.agencies)} of {t.rated} ({percent(t.share)})",
            md("; ".join(names[a] for a in t.agencies)),
        ]
        for t in report.themes
    ]
    return lines + table(["Theme", "Kind", "Amber or red", "Agencies"], rows)


def _figures(report: PartnershipReport) -> list[str]:
    status = report.status
    by_id = {s.agency: s for s in status.agencies}
    received = (
        f"{status.returned} of {status.expected}" if status.expected else str(status.returned)
    )
    late = [f"{md(by_id[a].name)} ({by_id[a].days_late} days)" for a in status.late]
    flags_open = sum(p.flags.open for p in report.agencies)
    high = sum(p.flags.open_high for p in report.agencies)
    dismissed = sum(p.flags.dismissed for p in report.agencies)
    overdue = sum(1 for a in report.actions if a.overdue)
    return [
        f"- **Returns received:** {received}",
        f"- **Not returned:** {_names(by_id[a].name for a in status.missing)}",
        f"- **Late:** {'; '.join(late) or 'none'}",
        f"- **Without sign-off:** {_names(by_id[a].name for a in status.unsigned)}",
        *(
            [f"- **Not on the expected list:** {_names(by_id[a].name for a in status.unexpected)}"]
            if status.unexpected
            else []
        ),
        f"- **Flags:** {flags_open} open ({high} of high severity); {dismissed} dismissed",
        f"- **Overdue actions:** {overdue}",
        f"- **Partnership themes:** {len(report.themes)}",
    ]


def _names(names: Iterable[str]) -> str:
    """Agency names joined with semicolons: the names themselves may hold commas."""
    return "; ".join(md(n) for n in names) or "none"


def _heatmap(view: FrameworkView, options: RenderOptions, *, trend: bool) -> list[str]:
    headers = ["Agency", "Overall", *(md(s.id) for s in view.standards)]
    headers += ["Since last cycle"] if trend else []
    rows = []
    for row in view.heatmap:
        cells = [md(row.name), _overall(row.overall, options)]
        cells += [_cell(c, options) for c in row.cells]
        cells += [_ARROW.get(row.trend or "", row.trend or "–")] if trend else []
        rows.append(cells)
    key = "; ".join(f"{md(s.id)} {md(s.title)}" for s in view.standards)
    extra = ", S: self" if options.show_self else ""
    return [
        f"### Heatmap: {md(view.title)} ({md(view.framework)} {md(view.version)})",
        "",
        *table(headers, rows),
        f"Assured rating by standard. R red, A amber, G green, B blue, – not rated; "
        f"M: moderated{extra}. {key}.",
        "",
    ]


def _overall(ratings: Ratings, options: RenderOptions) -> str:
    return rag_label(ratings.assured_rag) + _extra(ratings, options, long=True)


def _cell(cell: HeatCell, options: RenderOptions) -> str:
    return rag_letter(cell.assured_rag) + _extra(cell, options, long=False)


def _extra(ratings: Ratings, options: RenderOptions, *, long: bool) -> str:
    """The moderated rating when there is one, and the self rating when asked for."""
    show = rag_label if long else rag_letter
    parts = []
    if ratings.moderated_rag is not None:
        parts.append(f"M:{show(ratings.moderated_rag)}")
    if options.show_self:
        parts.append(f"S:{show(ratings.self_rag)}")
    return (" " + " ".join(parts)) if parts else ""


# --- agencies -----------------------------------------------------------------------------


def _agency(pack: AgencyPack) -> list[str]:
    signed = (
        f"signed off by the {md(pack.sign_off_role)}"
        if pack.sign_off_role
        else "**not signed off**"
    )
    counts = pack.flags
    lines = [
        f"## {md(pack.name)}",
        "",
        f"{md(label(pack.type)).capitalize()} · {md(pack.framework)} {md(pack.version)} · period "
        f"{long_date(pack.period_start)} to {long_date(pack.period_end)} · as of "
        f"{long_date(pack.as_of)} · {signed}",
        "",
        *table(
            ["Standard", "Self", "Assured", "Moderated"],
            [
                [
                    md(f"{s.standard} {s.title}"),
                    rag_label(s.self_rag),
                    rag_label(s.assured_rag),
                    rag_label(s.moderated_rag) if s.moderated_rag else "–",
                ]
                for s in pack.standards
            ],
        ),
        f"**Flags:** {counts.total} ({counts.high} high, {counts.medium} medium, {counts.low} "
        f"low) · {counts.open} open · {counts.decided} decided by the panel · "
        f"{counts.dismissed} dismissed",
        "",
        "### Challenge agenda",
        "",
    ]
    if not pack.agenda:
        lines += ["No flags to raise: nothing on the agenda.", ""]
    for item in pack.agenda:
        lines += _agenda_item(item)
    return lines + _moderated(pack) + _dismissed(pack) + _decisions(pack)


def _agenda_item(item: AgendaItem) -> list[str]:
    where = md(item.criterion) if item.criterion else "Whole return"
    lines = [
        f"#### {item.rank}. [{item.severity.value.capitalize()}] {where}: {md(item.message)}",
        "",
    ]
    if item.criterion_text:
        lines.append(f"- **Criterion:** {md(item.criterion_text)}")
    if item.criterion:
        moderated = f" · moderated {rag_label(item.moderated_rag)}" if item.moderated_rag else ""
        lines.append(
            f"- **Ratings:** self {rag_label(item.self_rag)} · assured "
            f"{rag_label(item.assured_rag)}{moderated}"
        )
    if item.evidence:
        lines.append(f"- **Flag rests on:** {'; '.join(md(e) for e in item.evidence)}")
    if item.criterion:
        cited = "; ".join(_evidence(e) for e in item.agency_evidence) or "none"
        lines.append(f"- **Evidence cited:** {cited}")
    if item.commentary:
        lines.append(f"- **Commentary:** {md(_truncate(item.commentary, 600))}")
    lines.append(f"- **Question:** **{md(item.question)}**")
    if item.status != "open":
        reason = f": {md(item.reason)}" if item.reason else ""
        lines.append(f"- **Panel decision:** {label(item.status)}{reason}")
    lines += [f"- **Rule:** {md(item.rule)} · {md(item.fingerprint)}", "", "Panel notes:", ""]
    return [*lines, "> &nbsp;", ">", "> &nbsp;", ""]


def _evidence(note: EvidenceNote) -> str:
    reference = f" \\[{md(note.reference)}\\]" if note.reference else ""
    when = f" ({long_date(note.date)})" if note.date else ""
    return md(note.description) + reference + when


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _moderated(pack: AgencyPack) -> list[str]:
    if not pack.moderated:
        return []
    rows = [
        [
            md(r.criterion),
            rag_label(r.self_rag),
            rag_label(r.assured_rag),
            f"{rag_label(r.moderated_rag)} ({md(r.moderated_level or '')})",
        ]
        for r in pack.moderated
    ]
    return [
        "### Moderated ratings",
        "",
        *table(["Criterion", "Self", "Assured", "Moderated"], rows),
    ]


def _dismissed(pack: AgencyPack) -> list[str]:
    if not pack.dismissed:
        return []
    rows = [
        [
            md(i.criterion or "Whole return"),
            md(i.message),
            i.severity.value,
            md(i.reason or ""),
        ]
        for i in pack.dismissed
    ]
    return [
        f"### Flags dismissed by the panel ({len(pack.dismissed)})",
        "",
        *table(["Criterion", "Finding", "Severity", "Reason"], rows),
    ]


def _decisions(pack: AgencyPack) -> list[str]:
    if not pack.decisions:
        return []
    rows = [
        [
            long_date(d.decided_on),
            md(d.criterion or f"flag {d.flag}"),
            label(d.decision),
            md(d.moderated or "–"),
            md(d.reason),
            md(d.decided_by),
            long_date(d.expires) if d.expires else "–",
        ]
        for d in pack.decisions
    ]
    headers = ["Decided on", "Decided", "Decision", "Moderated", "Reason", "By", "Expires"]
    return ["### Panel decisions recorded", "", *table(headers, rows)]


# --- annexes ------------------------------------------------------------------------------


def _annexes(report: PartnershipReport, *, criteria: bool = True) -> list[str]:
    lines = _status_annex(report) + _trend_annex(report)
    if criteria:
        for view in report.frameworks:
            lines += _criteria_annex(view, report.theme_share)
    return lines + _actions_annex(report)


def _status_annex(report: PartnershipReport) -> list[str]:
    rows = [
        [
            md(s.name),
            md(label(s.type)),
            "yes" if s.returned else "no",
            md(s.framework or s.expected_framework or "–"),
            long_date(s.deadline),
            long_date(s.submitted),
            str(s.days_late) if s.late else "–",
            md(s.sign_off_role or ("none" if s.returned else "–")),
        ]
        for s in report.status.agencies
    ]
    headers = ["Agency", "Type", "Returned", "Framework", "Deadline", "Submitted", "Days late"]
    return ["## Return status", "", *table([*headers, "Signed off by (role)"], rows)]


def _trend_annex(report: PartnershipReport) -> list[str]:
    if report.trend is None:
        return []
    agencies = [
        [
            md(t.name),
            rag_label(t.previous) if t.previous else "no previous return",
            rag_label(t.current),
            _ARROW.get(t.direction, t.direction),
            str(t.standards_improved),
            str(t.standards_declined),
        ]
        for t in report.trend.agencies
    ]
    standards = [
        [
            md(f"{t.standard} {t.title}"),
            str(t.agencies),
            _score(t.previous_score),
            _score(t.current_score),
            _ARROW.get(t.direction, t.direction),
        ]
        for t in report.trend.standards
    ]
    return [
        "## Trend since the previous cycle",
        "",
        *table(["Agency", "Previous", "Now", "Change", "Standards up", "Standards down"], agencies),
        "Mean settled score by standard (0 red to 100 blue), agencies rated in both cycles:",
        "",
        *table(["Standard", "Agencies", "Previous", "Now", "Change"], standards),
    ]


def _score(score: float | None) -> str:
    return str(round(score * 100)) if score is not None else "–"


def _criteria_annex(view: FrameworkView, theme_share: float) -> list[str]:
    rows = [
        [
            md(f"{c.criterion} {_truncate(c.text, 90)}"),
            str(c.red),
            str(c.amber),
            str(c.green),
            str(c.blue),
            str(c.unrated),
            percent(c.amber_or_red_share) if c.rated else "–",
            "theme" if c.theme else "",
        ]
        for c in view.criteria
    ]
    headers = ["Criterion", "Red", "Amber", "Green", "Blue", "Not rated", "Amber or red", "Theme"]
    return [
        f"## Criterion by criterion: {md(view.title)}",
        "",
        f"Agencies at each settled rating; a theme when at least {percent(theme_share)} "
        "are amber or red.",
        "",
        *table(headers, rows),
    ]


def _actions_annex(report: PartnershipReport) -> list[str]:
    if not report.actions:
        return ["## Action register", "", "No return has an action plan.", ""]
    rows = [
        [
            md(a.name),
            md(a.criterion),
            md(a.description),
            md(a.owner or "–"),
            long_date(a.due),
            label(a.status) + (f" ({long_date(a.completed)})" if a.completed else ""),
            f"**{a.days_overdue}**" if a.overdue else "–",
        ]
        for a in report.actions
    ]
    headers = ["Agency", "Criterion", "Action", "Owner", "Due", "Status", "Days overdue"]
    return ["## Action register (overdue first)", "", *table(headers, rows)]
