"""Audit rules: what the audit lead and the board must follow up, as challenge flags.

Each rule has an ``id`` (``audit-...``), a default ``severity``, a ``question`` for the
meeting or the board, and ``check(ctx)`` yielding :class:`AuditFinding`s. Findings become the
project's :class:`~safeguard_qa.models.results.Flag`, with a fingerprint that stays the same
for the same finding in the same round, so they can sit in the same agendas as return flags.
Flags about the partnership as a whole (a domain, a learning point with no owner agency)
carry the agency id ``partnership``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from safeguard_qa.audit.models import AuditRound
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import Flag
from safeguard_qa.models.scale import Scale

PARTNERSHIP = "partnership"
"""The agency id of flags about the partnership as a whole."""


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """What an audit rule found. ``key`` tells apart several findings of one rule (which
    case, which recommendation) and is part of the fingerprint: keep it stable."""

    message: str
    agency: str = PARTNERSHIP
    domain: str | None = None
    key: str = ""
    evidence: tuple[str, ...] = ()
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What audit rules read: the round, its tool and scale, and the date to judge by."""

    audit: AuditRound
    tool: Framework
    scale: Scale
    as_of: dt.date


class AuditRule:
    """Base of the built-in audit rules; a plugin's rule needs only the same attributes."""

    id: ClassVar[str]
    severity: ClassVar[Severity] = Severity.MEDIUM
    question: ClassVar[str]
    description: ClassVar[str]

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        raise NotImplementedError


def fingerprint(rule_id: str, agency: str, source: str, item: str | None, key: str) -> str:
    """Stable id of a finding, computed as the engine computes a return flag's: rule, agency,
    framework (here the audit round or the framework), criterion or domain, and key."""
    raw = "\x1f".join((rule_id, agency, source, item or "", key))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class ConcernOpen(AuditRule):
    id = "audit-concern-open"
    severity = Severity.HIGH
    question = (
        "What has been done for this child since the concern was raised, and who is checking?"
    )
    description = "An immediate concern about a child raised during the audit is not closed."

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        meeting = ctx.audit.meeting
        for concern in meeting.concerns if meeting else ():
            if concern.closed_on is None:
                days = (ctx.as_of - concern.raised_on).days
                yield AuditFinding(
                    f"Immediate concern {concern.id} about case {concern.case} has been open "
                    f"{days} days",
                    agency=concern.agency,
                    key=concern.id,
                    evidence=(
                        f"case {concern.case}",
                        f"raised on {concern.raised_on.isoformat()} with {concern.raised_with}",
                    ),
                )


class DomainInadequate(AuditRule):
    id = "audit-domain-inadequate"
    severity = Severity.HIGH
    question = "What is the partnership doing about this area of practice across agencies?"
    description = "A domain was agreed inadequate in several cases (two or more by default)."
    min_cases: ClassVar[int] = 2

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        meeting = ctx.audit.meeting
        worst = ctx.scale.ordered[0].id
        for domain in ctx.tool.criteria:
            cases = [
                a.case for a in (meeting.cases if meeting else ()) if a.grades.get(domain) == worst
            ]
            if len(cases) >= self.min_cases:
                yield AuditFinding(
                    f"{domain} was agreed {ctx.scale.ordered[0].label.lower()} in "
                    f"{len(cases)} cases",
                    domain=domain,
                    evidence=tuple(f"case {c}" for c in cases),
                )


class ReviewMissing(AuditRule):
    id = "audit-review-missing"
    question = "Why did the agency not review its record of this case, and when will it?"
    description = "An agency involved in a sampled case did not return its review."

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        returned = {(r.case, r.agency) for r in ctx.audit.reviews}
        for case in ctx.audit.cases:
            for agency in case.agencies:
                if (case.ref, agency) not in returned:
                    yield AuditFinding(
                        f"{ctx.audit.agency_name(agency)} did not return its review of case "
                        f"{case.ref}",
                        agency=agency,
                        key=case.ref,
                        evidence=(f"case {case.ref}",),
                    )


class GradeWithoutEvidence(AuditRule):
    id = "audit-grade-without-evidence"
    severity = Severity.LOW
    question = "What on the file supports these grades?"
    description = "A review grades a domain without saying what on the file supports it."

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        for review in ctx.audit.reviews:
            bare = [d for d, g in review.grades.items() if not g.evidence.strip()]
            if bare:
                yield AuditFinding(
                    f"The review of case {review.case} grades {len(bare)} domain(s) without "
                    "evidence",
                    agency=review.agency,
                    key=review.case,
                    evidence=tuple(f"case {review.case} › {d}" for d in bare),
                )


class LearningWithoutRecommendation(AuditRule):
    id = "audit-learning-without-recommendation"
    question = "What will change because of this learning, who owns it and by when?"
    description = "A learning point that no recommendation answers."

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        meeting = ctx.audit.meeting
        if meeting is None:
            return
        answered = {ref for r in meeting.recommendations for ref in r.learning}
        for point in meeting.learning:
            if point.id not in answered:
                yield AuditFinding(
                    f"Learning point {point.id} has no recommendation",
                    key=point.id,
                    evidence=(f"learning point {point.id}",),
                )


class RecommendationIncomplete(AuditRule):
    id = "audit-recommendation-incomplete"
    question = "Who owns this recommendation, and by when will it be done?"
    description = "A recommendation with no owner or no due date."

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        meeting = ctx.audit.meeting
        for rec in meeting.recommendations if meeting else ():
            missing = [
                name
                for name, value in (("owner", rec.owner.strip()), ("due date", rec.due))
                if not value
            ]
            if missing:
                yield AuditFinding(
                    f"Recommendation {rec.id} has no {' and no '.join(missing)}",
                    agency=rec.agency or PARTNERSHIP,
                    key=rec.id,
                    evidence=(f"recommendation {rec.id}",),
                )


class RecommendationOverdue(AuditRule):
    id = "audit-recommendation-overdue"
    question = "What is stopping this recommendation, and what is the new date?"
    description = "A recommendation past its due date and not complete (high after three months)."
    high_after_days: ClassVar[int] = 90

    def check(self, ctx: AuditContext) -> Iterable[AuditFinding]:
        meeting = ctx.audit.meeting
        for rec in meeting.recommendations if meeting else ():
            if rec.due is None or rec.status == "complete" or rec.due >= ctx.as_of:
                continue
            late = (ctx.as_of - rec.due).days
            yield AuditFinding(
                f"Recommendation {rec.id} is {late} days overdue",
                agency=rec.agency or PARTNERSHIP,
                key=rec.id,
                evidence=(
                    f"recommendation {rec.id}",
                    f"due {rec.due.isoformat()}",
                    f"status {rec.status.replace('_', ' ')}",
                ),
                severity=Severity.HIGH if late > self.high_after_days else None,
            )


BUILTIN_RULES: tuple[AuditRule, ...] = (
    ConcernOpen(),
    DomainInadequate(),
    ReviewMissing(),
    GradeWithoutEvidence(),
    LearningWithoutRecommendation(),
    RecommendationIncomplete(),
    RecommendationOverdue(),
)


def run_rules(
    audit: AuditRound,
    tool: Framework,
    scale: Scale,
    *,
    as_of: dt.date,
    rules: Sequence[AuditRule] = BUILTIN_RULES,
) -> list[Flag]:
    """Every rule's findings as flags: most severe first, then in rule and file order."""
    if not rules:
        raise ValueError("no audit rules to run")
    ctx = AuditContext(audit, tool, scale, as_of)
    flags: list[Flag] = []
    for rule in rules:
        for finding in rule.check(ctx):
            flags.append(
                Flag(
                    fingerprint=fingerprint(
                        rule.id, finding.agency, audit.round.id, finding.domain, finding.key
                    ),
                    rule=rule.id,
                    severity=finding.severity or rule.severity,
                    agency=finding.agency,
                    standard=tool.standard_of[finding.domain].id if finding.domain else None,
                    criterion=finding.domain,
                    message=finding.message,
                    evidence=finding.evidence,
                    question=rule.question,
                )
            )
    return sorted(flags, key=lambda f: -f.severity.rank)
