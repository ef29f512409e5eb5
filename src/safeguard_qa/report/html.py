"""The challenge-event pack as one self-contained HTML file, ready to print on A4.

Templates live in ``report/templates`` and are rendered with autoescaping on, so every piece
of text that came from a return (evidence, commentary, actions, agency names) is escaped.
The page also carries a Content-Security-Policy that allows no script at all: should any
text ever slip past escaping, a browser still would not run it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import jinja2

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions

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
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("safeguard_qa.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        rag_label=rag_label,
        rag_letter=rag_letter,
        long_date=long_date,
        percent=percent,
        label=label,
    )
    env.globals["arrow"] = _DIRECTION_ARROW
    return env


def render_partnership(report: PartnershipReport, options: RenderOptions) -> str:
    """The whole pack: the one-page summary, a section per agency, then the annexes."""
    template = environment().get_template("pack.html.j2")
    names = {status.agency: status.name for status in report.status.agencies}
    return template.render(report=report, show_self=options.show_self, names=names)
