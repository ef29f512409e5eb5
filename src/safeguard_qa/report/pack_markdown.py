"""The partnership view and the challenge-event pack in Markdown, from Jinja2 templates.

The templates (``report/templates/*.md.j2``) hold every piece of Markdown structure; what
they are given is escaped on the way out, as the HTML templates autoescape: each ``{{ }}``
value passes through :func:`md_plain` unless it is :class:`Markdown` already. Escaping is
Markdown's own (backslashes), never HTML entities, so the pack pastes cleanly into an email
and reads the same as text: ``<script>`` becomes ``\\<script\\>``, shown as typed and never
a tag; punctuation that could open emphasis, code, a link or a table cell is backslashed;
line breaks are folded so one answer stays in one table cell or list item; bare web
addresses are kept from becoming links. Ids (``action_agreed``, ``not_started``) are shown
as words.

:func:`md` and :func:`table` are kept for the audit report's hand-built Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

import jinja2

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.models.results import Ratings
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import (
    label,
    long_date,
    pack_context,
    percent,
    rag_label,
    rag_letter,
)
from safeguard_qa.report.safe import markdown_text
from safeguard_qa.report.templating import template_environment

_ENTITY = re.compile(r"&(amp|lt|gt);")
_BACKSLASHED = {"amp": "\\&", "lt": "\\<", "gt": "\\>"}
_ARROW = {"improved": "▲ improved", "declined": "▼ declined", "unchanged": "= unchanged"}


class Markdown(str):
    """Text that is Markdown already: the templates write it as it is."""

    __slots__ = ()


def md_plain(text: object) -> str:
    """``text`` safe for one Markdown line or table cell, with no HTML entity in it.

    :func:`safeguard_qa.report.safe.markdown_text` decides what is dangerous (controls,
    bidirectional overrides, Markdown punctuation, autolinks); the three HTML characters it
    writes as entities are written here as backslash escapes instead, which CommonMark and
    GitHub show as the character itself and never read as a tag or an entity. Every ``&``
    in its output starts one of its own entities, so the swap is exact.
    """
    return _ENTITY.sub(lambda m: _BACKSLASHED[m.group(1)], markdown_text(text))


def _finalize(value: object) -> str:
    if isinstance(value, Markdown):
        return value
    if value is None:
        return ""
    return md_plain(value)


@cache
def environment() -> jinja2.Environment:
    env = template_environment("safeguard_qa.report", finalize=_finalize)
    env.filters.update(
        rag_label=rag_label,
        rag_letter=rag_letter,
        long_date=long_date,
        percent=percent,
        label=label,
        direction=lambda d: _ARROW.get(d or "", d or "–"),
        score=lambda s: str(round(s * 100)) if s is not None else "–",
        names=_agency_names,
    )
    env.globals["extra"] = _extra_ratings
    return env


@jinja2.pass_context
def _agency_names(context: jinja2.runtime.Context, ids: Iterable[str]) -> str:
    """Agency ids as their names, joined with semicolons (names may hold commas)."""
    names: Mapping[str, str] = context["names"]
    return "; ".join(names.get(i, i) for i in ids) or "none"


@jinja2.pass_context
def _extra_ratings(context: jinja2.runtime.Context, ratings: Ratings, long: bool) -> Markdown:
    """The moderated rating when there is one, and the self rating when asked for."""
    show = rag_label if long else rag_letter
    parts = []
    if ratings.moderated_rag is not None:
        parts.append(f"M:{show(ratings.moderated_rag)}")
    if context["show_self"]:
        parts.append(f"S:{show(ratings.self_rag)}")
    # rating words and letters only: nothing to escape, and the leading space must stay
    return Markdown((" " + " ".join(parts)) if parts else "")


def _render(name: str, report: PartnershipReport, options: RenderOptions) -> str:
    context = pack_context(report, options)
    context["days_late"] = {s.agency: s.days_late for s in report.status.agencies}
    return _tidy(environment().get_template(name).render(**context))


def render_pack(report: PartnershipReport, options: RenderOptions) -> str:
    """The whole pack: contents and guide, summary, a section per agency, then the annexes."""
    return _render("pack.md.j2", report, options)


_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """At most one blank line between blocks, no trailing spaces, one final newline."""
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANK_RUNS.sub("\n\n", lines).strip("\n") + "\n"


md = markdown_text
"""The one Markdown escape (``safeguard_qa.report.safe.markdown_text``), under its old name."""
