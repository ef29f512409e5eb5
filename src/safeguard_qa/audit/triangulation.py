"""Triangulation: testing an agency's Section 11 claims against its case files and its staff.

Two rules, each raising a flag on the agency's challenge agenda:

* ``triangulation-audit``: the agency rates a criterion green or blue while most of the agreed
  grades of its practice in the mapped audit domains are requires improvement or inadequate
  (on at least ``min_cases`` cases);
* ``triangulation-survey``: the agency rates a criterion green or blue while fewer than half of
  its practitioners agree with a mapped survey question (with at least ``min_respondents``).

Flags carry the case references and survey figures as evidence, and have the same fingerprint
as a return flag would (rule, agency, framework, criterion), so challenge outcomes recorded
against them apply again next cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from safeguard_qa.audit.analysis import good_or_better
from safeguard_qa.audit.models import AuditRound, CriterionMapping, Link, Survey
from safeguard_qa.audit.rules import fingerprint
from safeguard_qa.models.base import Model
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import CriterionResult, Evaluation, Flag
from safeguard_qa.models.scale import RAG, Scale

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

AUDIT_RULE = "triangulation-audit"
SURVEY_RULE = "triangulation-survey"


class Thresholds(Model):
    """When a contradiction is strong enough to raise.

    ``poor_share``: more than this share of the agency's agreed grades in the mapped domains
    are below good. ``agree_share``: fewer than this share of respondents agree.
    """

    min_cases: int = Field(default=3, ge=1)
    poor_share: float = Field(default=0.5, ge=0, lt=1)
    min_respondents: int = Field(default=10, ge=1)
    agree_share: float = Field(default=0.5, gt=0, le=1)


def triangulate(
    evaluations: Sequence[Evaluation],
    audit_rounds: AuditRound | Sequence[AuditRound],
    survey: Survey | None,
    mapping: CriterionMapping,
    thresholds: Thresholds | None = None,
    *,
    registry: Registry | None = None,
    scale: Scale | None = None,
) -> dict[str, list[Flag]]:
    """The triangulation flags for each agency id (agencies with none are left out).

    ``evaluations`` are the cycle's evaluated returns; only those on the mapping's framework
    are read. The grades are read on the scale of the mapping's audit tool, found in
    ``registry`` (the installed plugins when omitted) unless ``scale`` is given.
    """
    if scale is None:
        scale = _tool_scale(mapping, registry)
    rounds = [audit_rounds] if isinstance(audit_rounds, AuditRound) else list(audit_rounds)
    limits = thresholds or Thresholds()
    flags: dict[str, list[Flag]] = {}
    for evaluation in evaluations:
        if evaluation.framework.id != mapping.framework:
            continue
        by_criterion = {c.criterion: c for c in evaluation.criteria}
        found: list[Flag] = []
        for link in mapping.links:
            result = by_criterion.get(link.criterion)
            if result is None or result.self_rag is None or result.self_rag.rank < RAG.GREEN.rank:
                continue
            audit_flag = _audit_flag(evaluation, result, link, rounds, scale, limits)
            if audit_flag is not None:
                found.append(audit_flag)
            if survey is not None:
                survey_flag = _survey_flag(evaluation, result, link, survey, limits)
                if survey_flag is not None:
                    found.append(survey_flag)
        if found:
            flags[evaluation.agency.id] = found
    return flags


def _tool_scale(mapping: CriterionMapping, registry: Registry | None) -> Scale:
    from safeguard_qa.audit.loaders import tool_scale
    from safeguard_qa.plugins import load_registry

    registry = registry or load_registry()
    return tool_scale(registry.framework(mapping.tool), registry)


def _audit_flag(
    evaluation: Evaluation,
    result: CriterionResult,
    link: Link,
    rounds: list[AuditRound],
    scale: Scale,
    limits: Thresholds,
) -> Flag | None:
    agency = evaluation.agency.id
    graded: list[tuple[str, str, str, bool]] = []  # round, case, domain, good or better
    for audit in rounds:
        for case in audit.cases:
            if agency not in case.agencies:
                continue
            for domain in link.domains:
                grade = audit.moderated(case.ref, agency, domain)
                good = good_or_better(scale, grade)
                if grade is not None and good is not None:
                    graded.append((audit.round.id, case.ref, f"{domain}: {grade}", good))
    cases = {(r, c) for r, c, _, _ in graded}
    poor = [g for g in graded if not g[3]]
    if len(cases) < limits.min_cases or len(poor) <= limits.poor_share * len(graded):
        return None
    label = _rag(result.self_rag)
    return Flag(
        fingerprint=fingerprint(AUDIT_RULE, agency, evaluation.framework.id, result.criterion, ""),
        rule=AUDIT_RULE,
        severity=Severity.HIGH if result.self_rag is RAG.BLUE else Severity.MEDIUM,
        agency=agency,
        standard=result.standard,
        criterion=result.criterion,
        message=(
            f"Rated {label}, but {len(poor)} of {len(graded)} agreed case grades in "
            f"{', '.join(link.domains)} are below good ({len(cases)} cases audited)"
        ),
        evidence=tuple(
            f"audit {r} case {c}: {detail.replace('_', ' ')}" for r, c, detail, _ in poor
        ),
        question=(
            "The multi-agency case-file audit found this practice below good in most of your "
            "cases: what evidence supports the rating, and what will you change?"
        ),
        caps=RAG.AMBER,
    )


def _survey_flag(
    evaluation: Evaluation, result: CriterionResult, link: Link, survey: Survey, limits: Thresholds
) -> Flag | None:
    agency = evaluation.agency.id
    answers = {(r.agency, r.question): r for r in survey.results}
    disagreeing = []
    for question in link.questions:
        answer = answers.get((agency, question))
        if answer is None or answer.respondents < limits.min_respondents:
            continue
        if answer.agreeing < limits.agree_share * answer.respondents:
            disagreeing.append(answer)
    if not disagreeing:
        return None
    figures = [
        f"survey {survey.id} question {a.question}: {a.agreeing} of {a.respondents} "
        f"practitioners agree ({round(100 * a.agreeing / a.respondents)}%)"
        for a in disagreeing
    ]
    return Flag(
        fingerprint=fingerprint(SURVEY_RULE, agency, evaluation.framework.id, result.criterion, ""),
        rule=SURVEY_RULE,
        severity=Severity.MEDIUM,
        agency=agency,
        standard=result.standard,
        criterion=result.criterion,
        message=(
            f"Rated {_rag(result.self_rag)}, but most of the agency's practitioners who answered "
            "the practitioner survey do not agree"
        ),
        evidence=tuple(figures),
        question=(
            "Your own practitioners do not recognise this: how do you know the arrangement works "
            "for them, and what will you do about their view?"
        ),
    )


def _rag(rag: RAG | None) -> str:
    return rag.value if rag is not None else "not rated"
