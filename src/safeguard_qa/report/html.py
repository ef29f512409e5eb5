"""The challenge-event pack as one self-contained HTML file, ready to print on A4.

Templates live in ``report/templates`` and are rendered with autoescaping on, so every piece
of text that came from a return (evidence, commentary, actions, agency names) is escaped.
The page also carries a Content-Security-Policy that allows no script at all, no base URL
and no form target: should any text ever slip past escaping, a browser still would not run
it, nor send anything anywhere.

The pack opens with a contents list and a short guide (self, assured and moderated ratings,
what caps a rating, the policy in force), then the one-page summary, the charts (inline SVG,
each with its numbers in a table for screen readers, see :mod:`safeguard_qa.report.charts`),
a section per agency and the annexes. No text is under 9pt on A4. Shares and scores are
shown as whole percentages throughout the pack; the data exports give them to 4 decimals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import jinja2

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.scale import RAG
from safeguard_qa.report import charts
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.templating import template_environment

_RAG_LETTER = {RAG.RED: "R", RAG.AMBER: "A", RAG.GREEN: "G", RAG.BLUE: "B"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DIRECTION_ARROW = {"improved": "▲", "declined": "▼", "unchanged": "=", "new": "•"}


def rag_label(rag: RAG | None) -> str:
    """The rating as a word: colour alone must never carry the meaning."""
    return rag.value.capitalize() if rag is not None else "Not rated"


def rag_letter(rag: RAG | None) -> str:
    return _RAG_LETTER[rag] if rag is not None else "–"


def long_date(value: dt.date | None) -> str:
    """A date as people in England write it (15 May 2025), independent of the locale."""
    if value is None:
        return "–"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def label(identifier: str) -> str:
    """An id such as ``rating_revised`` or ``school_maintained`` as words."""
    return identifier.replace("_", " ").replace("-", " ")


@cache
def environment() -> jinja2.Environment:
    env = template_environment("safeguard_qa.report")
    env.filters.update(
        rag_label=rag_label,
        rag_letter=rag_letter,
        long_date=long_date,
        percent=percent,
        label=label,
    )
    env.globals.update(
        arrow=_DIRECTION_ARROW, width=charts.WIDTH, font=charts.FONT, label_width=charts.LABEL
    )
    return env


@dataclass(frozen=True, slots=True)
class Charts:
    shares: tuple[charts.BarChart, ...]
    trend: charts.DotChart | None
    actions: charts.BarChart


def pack_charts(report: PartnershipReport) -> Charts:
    """The pack's charts: RAG shares per framework, the trend, the actions by status."""
    return Charts(
        shares=tuple(charts.rag_shares(view) for view in report.frameworks),
        trend=charts.trend(report),
        actions=charts.actions_by_status(report.actions),
    )


def policy_settings(report: PartnershipReport) -> list[tuple[str, str]] | None:
    """The policy's settings that differ from the built-in policy, as (name, value).

    Read from the report's ``policy_settings`` where the report carries them; otherwise
    only the theme share is known from the report, and None says the rest is unknown.
    """
    if report.policy_settings:
        return [(setting_words(s.name), s.value) for s in report.policy_settings]
    if report.theme_share != Policy().theme_share:
        return [("theme share", percent(report.theme_share))]
    return None


def setting_words(name: str) -> str:
    """A setting's dotted path in words: ``rules.evidence-stale.params.max_age_days`` →
    ``evidence-stale: max age days`` (rule ids stay as they are: people look them up)."""
    parts = name.split(".")
    if parts[0] == "rules" and len(parts) >= 3:
        return f"{parts[1]}: {' '.join(parts[3:] or parts[2:]).replace('_', ' ')}"
    return " ".join(parts).replace("_", " ")


def pack_context(report: PartnershipReport, options: RenderOptions) -> dict[str, object]:
    """What every pack template is given (the HTML and the Markdown alike)."""
    return {
        "report": report,
        "show_self": options.show_self,
        "names": {status.agency: status.name for status in report.status.agencies},
        "charts": pack_charts(report),
        "policy": policy_settings(report),
    }


def render_partnership(report: PartnershipReport, options: RenderOptions) -> str:
    """The whole pack: contents and guide, the one-page summary, the charts, a section per
    agency, then the annexes."""
    template = environment().get_template("pack.html.j2")
    return template.render(**pack_context(report, options))
