"""The audit API the CLI is a thin shell over: findings, briefing and their renderings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from safeguard_qa.audit import render
from safeguard_qa.audit.analysis import (
    DEFAULT_SUPPRESS_BELOW,
    AuditFindings,
    Briefing,
    analyse,
    briefing,
)
from safeguard_qa.audit.loaders import AuditError, audit_tool, tool_scale
from safeguard_qa.audit.models import AuditRound
from safeguard_qa.audit.rules import BUILTIN_RULES, AuditRule, run_rules

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry


def _registry(registry: Registry | None) -> Registry:
    from safeguard_qa.plugins import load_registry

    return registry or load_registry()


def audit_findings(
    audit: AuditRound,
    *,
    registry: Registry | None = None,
    previous: AuditRound | None = None,
    as_of: dt.date | None = None,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    rules: Sequence[AuditRule] = BUILTIN_RULES,
) -> AuditFindings:
    """The round's findings with the audit rules' flags, compared with ``previous`` (the last
    round on the same theme). ``as_of`` decides what is overdue: by default the round's own
    date (the meeting's, else the round's end), never the clock, so the same files always
    give the same findings."""
    registry = _registry(registry)
    tool = audit_tool(audit, registry)
    scale = tool_scale(tool, registry)
    if previous is not None and previous.round.theme != audit.round.theme:
        raise AuditError.single(
            previous.round.id,
            "round › theme",
            f"the previous round is on {previous.round.theme!r}; expected the last round on "
            f"{audit.round.theme!r}",
        )
    flags = run_rules(audit, tool, scale, as_of=as_of or round_date(audit), rules=rules)
    return analyse(
        audit, tool, scale, previous=previous, suppress_below=suppress_below, flags=flags
    )


def round_date(audit: AuditRound) -> dt.date:
    """The date a round's findings are judged at unless told otherwise."""
    return audit.meeting.held_on if audit.meeting is not None else audit.round.ends


def learning_briefing(findings: AuditFindings, *, registry: Registry | None = None) -> Briefing:
    """The one-page learning briefing drawn from the findings and the audit tool."""
    registry = _registry(registry)
    tool = registry.framework(findings.tool, findings.tool_version)
    return briefing(findings, tool)


def render_findings(findings: AuditFindings, fmt: str, *, as_of: dt.date) -> str:
    """The findings report as ``html``, ``markdown`` or ``json``."""
    if fmt == "html":
        return render.findings_html(findings, as_of)
    if fmt == "markdown":
        return render.findings_markdown(findings, as_of)
    if fmt == "json":
        return render.findings_json(findings)
    raise AuditError.single("--format", "", _unknown_format(fmt))


def render_briefing(brief: Briefing, fmt: str) -> str:
    """The learning briefing as ``html``, ``markdown`` or ``json``."""
    if fmt == "html":
        return render.briefing_html(brief)
    if fmt == "markdown":
        return render.briefing_markdown(brief)
    if fmt == "json":
        return render.briefing_json(brief)
    raise AuditError.single("--format", "", _unknown_format(fmt))


def _unknown_format(fmt: str) -> str:
    return f"unknown format {fmt!r}; expected one of {', '.join(render.FORMATS)}"
