"""Audit findings: shares graded good or better, agreement with the moderated grades, small
counts suppressed. Data in, data out: no rendering here.

Suppression: a figure is withheld (``suppressed``, rendered "fewer than N") when it rests on
fewer than ``suppress_below`` children, counting cases; its numerator, share and change are
withheld with it. Counts of children by level of need are withheld the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from safeguard_qa.audit.models import LEVELS_OF_NEED, AuditRound, RoundPlan
from safeguard_qa.models.base import Model
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.results import Flag
from safeguard_qa.models.scale import RAG, Scale

DEFAULT_SUPPRESS_BELOW = 5
TENDENCY_MARGIN = 0.1
"""A mean difference in grade steps beyond which an agency is said to grade itself higher
(or lower) than the meeting; within it, in line."""


class Count(Model):
    """A number of children, or withheld when fewer than the threshold."""

    n: int | None
    suppressed: bool = False


class Share(Model):
    """How many of the grades counted were good or better.

    ``cases`` is the number of children the figure rests on (what suppression is judged on);
    ``grades`` the number of grades counted (cases times domains for an agency's share).
    ``change`` is ``share`` minus the previous round's share on the same theme.
    """

    cases: int | None
    grades: int | None
    good_or_better: int | None
    share: float | None
    suppressed: bool = False
    previous_share: float | None = None
    change: float | None = None


class DomainShare(Model):
    domain: str
    title: str
    share: Share


class AgencyShare(Model):
    agency: str
    name: str
    share: Share


class Agreement(Model):
    """How often an agency's own grades matched the agreed grades, and which way they differ.

    ``mean_difference`` is the mean of (own grade step minus agreed grade step): positive when
    the agency grades its own practice higher than the meeting did.
    """

    agency: str
    name: str
    cases: int | None
    compared: int | None
    agreed: int | None
    higher: int | None
    lower: int | None
    rate: float | None
    mean_difference: float | None
    tendency: Literal["higher", "lower", "in_line"] | None
    suppressed: bool = False


class CaseSummary(Model):
    """One case as the findings show it: its pseudonymous reference and agreed grades only."""

    case: str
    age_band: str
    level_of_need: str
    agencies: tuple[str, ...]
    overall: str | None
    grades: dict[str, str]


class ConcernSummary(Model):
    """An immediate concern without its narrative: where it went and whether it is closed."""

    id: str
    case: str
    agency: str
    raised_on: dt.date
    raised_with: str
    closed_on: dt.date | None
    open: bool


class LearningSummary(Model):
    id: str
    text: str
    tags: tuple[str, ...]
    agencies: tuple[str, ...]
    domains: tuple[str, ...]
    recommendations: tuple[str, ...]


class RecommendationSummary(Model):
    id: str
    text: str
    learning: tuple[str, ...]
    agency: str | None
    owner: str
    due: dt.date | None
    status: str
    completed: dt.date | None


class AuditFindings(Model):
    """Everything the findings report and the learning briefing show, as data."""

    partnership: str
    round: RoundPlan
    tool: str
    tool_version: str
    scale: dict[str, str]
    """Grade level id -> label, best first."""
    good_level: str
    """The lowest grade that counts as good or better."""
    domain_titles: dict[str, str]
    previous_round: str | None
    suppress_below: int
    cases_audited: Count
    by_level_of_need: dict[str, Count]
    agencies: dict[str, str]
    reviews_expected: int
    reviews_returned: int
    theme: Share
    domains: tuple[DomainShare, ...]
    by_agency: tuple[AgencyShare, ...]
    agreement: tuple[Agreement, ...]
    cases: tuple[CaseSummary, ...]
    learning: tuple[LearningSummary, ...]
    recommendations: tuple[RecommendationSummary, ...]
    concerns: tuple[ConcernSummary, ...]
    flags: tuple[Flag, ...] = ()


def good_or_better(scale: Scale, grade: str | None) -> bool | None:
    """Whether the grade is good or better (green or blue on the scale); None if unknown."""
    level = scale.level(grade) if grade else None
    if level is None:
        return None
    return level.rag.rank >= RAG.GREEN.rank


def _share(
    cases: int, marks: Sequence[bool], threshold: int, previous: Share | None = None
) -> Share:
    if cases < threshold or not marks:
        return Share(cases=None, grades=None, good_or_better=None, share=None, suppressed=True)
    good = sum(marks)
    share = round(good / len(marks), 4)
    prev = previous.share if previous is not None and not previous.suppressed else None
    return Share(
        cases=cases,
        grades=len(marks),
        good_or_better=good,
        share=share,
        previous_share=prev,
        change=round(share - prev, 4) if prev is not None else None,
    )


def _count(n: int, threshold: int) -> Count:
    return Count(n=None, suppressed=True) if 0 < n < threshold else Count(n=n)


def domain_shares(
    audit: AuditRound, tool: Framework, scale: Scale, threshold: int
) -> dict[str, Share]:
    """Per domain: the cases whose agreed grade is good or better."""
    shares: dict[str, Share] = {}
    agreements = audit.meeting.cases if audit.meeting else ()
    for domain in tool.criteria:
        marks = [
            mark
            for agreement in agreements
            if (mark := good_or_better(scale, agreement.grades.get(domain))) is not None
        ]
        shares[domain] = _share(len(marks), marks, threshold)
    return shares


def agency_shares(
    audit: AuditRound, tool: Framework, scale: Scale, threshold: int
) -> dict[str, Share]:
    """Per agency: its agreed grades, over every domain of every case it was involved in."""
    shares: dict[str, Share] = {}
    for agency in audit.agencies:
        cases = [c.ref for c in audit.cases if agency.id in c.agencies]
        marks: list[bool] = []
        graded_cases = 0
        for ref in cases:
            case_marks = [
                mark
                for domain in tool.criteria
                if (mark := good_or_better(scale, audit.moderated(ref, agency.id, domain)))
                is not None
            ]
            graded_cases += bool(case_marks)
            marks.extend(case_marks)
        shares[agency.id] = _share(graded_cases, marks, threshold)
    return shares


def theme_share(audit: AuditRound, scale: Scale, threshold: int) -> Share:
    """The cases whose overall agreed grade is good or better."""
    agreements = audit.meeting.cases if audit.meeting else ()
    marks = [
        mark
        for agreement in agreements
        if (mark := good_or_better(scale, agreement.overall)) is not None
    ]
    return _share(len(marks), marks, threshold)


def agreement(audit: AuditRound, scale: Scale, threshold: int) -> list[Agreement]:
    """Per agency: its own grades against the agreed grades for its part of each case."""
    results = []
    for agency in audit.agencies:
        differences: list[int] = []
        cases: set[str] = set()
        for review in audit.reviews:
            if review.agency != agency.id:
                continue
            for domain, graded in review.grades.items():
                own = scale.level(graded.grade)
                agreed_id = audit.moderated(review.case, agency.id, domain)
                agreed = scale.level(agreed_id) if agreed_id else None
                if own is None or agreed is None:
                    continue
                differences.append(scale.rank(own) - scale.rank(agreed))
                cases.add(review.case)
        results.append(_agreement(agency.id, agency.name, len(cases), differences, threshold))
    return results


def _agreement(
    agency: str, name: str, cases: int, differences: list[int], threshold: int
) -> Agreement:
    if cases < threshold or not differences:
        return Agreement(
            agency=agency,
            name=name,
            cases=None,
            compared=None,
            agreed=None,
            higher=None,
            lower=None,
            rate=None,
            mean_difference=None,
            tendency=None,
            suppressed=True,
        )
    mean = round(sum(differences) / len(differences), 4)
    tendency: Literal["higher", "lower", "in_line"] = (
        "higher" if mean >= TENDENCY_MARGIN else "lower" if mean <= -TENDENCY_MARGIN else "in_line"
    )
    agreed = sum(d == 0 for d in differences)
    return Agreement(
        agency=agency,
        name=name,
        cases=cases,
        compared=len(differences),
        agreed=agreed,
        higher=sum(d > 0 for d in differences),
        lower=sum(d < 0 for d in differences),
        rate=round(agreed / len(differences), 4),
        mean_difference=mean,
        tendency=tendency,
    )


def _with_previous(current: Share, previous: Share | None) -> Share:
    if current.suppressed or previous is None or previous.suppressed or current.share is None:
        return current
    assert previous.share is not None
    return current.model_copy(
        update={
            "previous_share": previous.share,
            "change": round(current.share - previous.share, 4),
        }
    )


def analyse(
    audit: AuditRound,
    tool: Framework,
    scale: Scale,
    *,
    previous: AuditRound | None = None,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    flags: Sequence[Flag] = (),
) -> AuditFindings:
    """The findings of one round, compared with ``previous`` (the last round on the same
    theme, graded with the same tool) where given."""
    if previous is not None and previous.round.theme != audit.round.theme:
        raise ValueError(
            f"the previous round {previous.round.id} is on {previous.round.theme}, "
            f"not {audit.round.theme}"
        )
    domains = domain_shares(audit, tool, scale, suppress_below)
    agencies = agency_shares(audit, tool, scale, suppress_below)
    theme = theme_share(audit, scale, suppress_below)
    if previous is not None:
        before = domain_shares(previous, tool, scale, suppress_below)
        domains = {d: _with_previous(s, before.get(d)) for d, s in domains.items()}
        before = agency_shares(previous, tool, scale, suppress_below)
        agencies = {a: _with_previous(s, before.get(a)) for a, s in agencies.items()}
        theme = _with_previous(theme, theme_share(previous, scale, suppress_below))
    return AuditFindings(
        partnership=audit.partnership,
        round=audit.round,
        tool=tool.id,
        tool_version=tool.version,
        scale={lv.id: lv.label for lv in reversed(scale.ordered)},
        good_level=next(
            (lv.id for lv in scale.ordered if lv.rag.rank >= RAG.GREEN.rank), scale.ordered[-1].id
        ),
        domain_titles={c.id: _title(c.text) for c in tool.criteria.values()},
        previous_round=previous.round.id if previous is not None else None,
        suppress_below=suppress_below,
        cases_audited=_count(len(audit.cases), suppress_below),
        by_level_of_need={
            need: _count(sum(c.level_of_need == need for c in audit.cases), suppress_below)
            for need in LEVELS_OF_NEED
        },
        agencies={a.id: a.name for a in audit.agencies},
        reviews_expected=sum(len(c.agencies) for c in audit.cases),
        reviews_returned=len({(r.case, r.agency) for r in audit.reviews}),
        theme=theme,
        domains=tuple(
            DomainShare(domain=d, title=_title(tool.criteria[d].text), share=s)
            for d, s in domains.items()
        ),
        by_agency=tuple(
            AgencyShare(agency=a.id, name=a.name, share=agencies[a.id]) for a in audit.agencies
        ),
        agreement=tuple(agreement(audit, scale, suppress_below)),
        cases=_cases(audit),
        learning=_learning(audit),
        recommendations=_recommendations(audit),
        concerns=_concerns(audit),
        flags=tuple(flags),
    )


def _title(text: str) -> str:
    """A domain's short title: its text up to the first colon (``Voice and lived experience
    of the child: the child was seen...``)."""
    head, sep, _ = text.partition(":")
    return head.strip() if sep else text.strip()


def _cases(audit: AuditRound) -> tuple[CaseSummary, ...]:
    agreed = {a.case: a for a in audit.meeting.cases} if audit.meeting else {}
    return tuple(
        CaseSummary(
            case=c.ref,
            age_band=c.age_band,
            level_of_need=c.level_of_need,
            agencies=c.agencies,
            overall=agreed[c.ref].overall if c.ref in agreed else None,
            grades=dict(agreed[c.ref].grades) if c.ref in agreed else {},
        )
        for c in audit.cases
    )


def _learning(audit: AuditRound) -> tuple[LearningSummary, ...]:
    if audit.meeting is None:
        return ()
    recs = audit.meeting.recommendations
    return tuple(
        LearningSummary(
            id=lp.id,
            text=lp.text,
            tags=lp.tags,
            agencies=lp.agencies,
            domains=lp.domains,
            recommendations=tuple(r.id for r in recs if lp.id in r.learning),
        )
        for lp in audit.meeting.learning
    )


def _recommendations(audit: AuditRound) -> tuple[RecommendationSummary, ...]:
    if audit.meeting is None:
        return ()
    return tuple(
        RecommendationSummary(
            id=r.id,
            text=r.text,
            learning=r.learning,
            agency=r.agency,
            owner=r.owner,
            due=r.due,
            status=r.status,
            completed=r.completed,
        )
        for r in audit.meeting.recommendations
    )


def _concerns(audit: AuditRound) -> tuple[ConcernSummary, ...]:
    if audit.meeting is None:
        return ()
    return tuple(
        ConcernSummary(
            id=c.id,
            case=c.case,
            agency=c.agency,
            raised_on=c.raised_on,
            raised_with=c.raised_with,
            closed_on=c.closed_on,
            open=c.closed_on is None,
        )
        for c in audit.meeting.concerns
    )


class BriefingDomain(Model):
    """A domain the briefing points to: how it was found, and what good looks like."""

    domain: str
    title: str
    share: Share
    good_looks_like: str


class Briefing(Model):
    """The one-page learning briefing for front-line teams ("7-minute briefing")."""

    partnership: str
    theme: str
    round: str
    why_chosen: tuple[str, ...]
    rationale: str
    cases_audited: Count
    agencies: tuple[str, ...]
    suppress_below: int
    strengths: tuple[BriefingDomain, ...]
    to_improve: tuple[BriefingDomain, ...]
    learning: tuple[str, ...]
    do_differently: tuple[str, ...]
    supervision_questions: tuple[str, ...]


BRIEFING_DOMAINS = 3
"""How many domains the briefing names as strengths and as areas to improve (one page)."""


def briefing(findings: AuditFindings, tool: Framework) -> Briefing:
    """The learning briefing drawn from the findings: the domains most often good or better
    and least often so, what good looks like (the tool's descriptor of the good level), the
    learning, the recommendations as what to do differently, and the tool's questions for
    supervision on the domains to improve."""
    good_level = findings.good_level
    known = [d for d in findings.domains if d.share.share is not None]
    ranked = sorted(known, key=lambda d: (d.share.share or 0.0, d.domain))
    weakest = [d for d in ranked if (d.share.share or 0.0) < 0.5][:BRIEFING_DOMAINS]
    strongest = [d for d in reversed(ranked) if (d.share.share or 0.0) >= 0.5][:BRIEFING_DOMAINS]

    def entry(item: DomainShare) -> BriefingDomain:
        criterion = tool.criteria[item.domain]
        return BriefingDomain(
            domain=item.domain,
            title=item.title,
            share=item.share,
            good_looks_like=criterion.descriptors.get(good_level, ""),
        )

    questions = [q for d in weakest for q in tool.criteria[d.domain].challenge_questions]
    return Briefing(
        partnership=findings.partnership,
        theme=findings.round.theme,
        round=findings.round.id,
        why_chosen=findings.round.why_chosen,
        rationale=findings.round.rationale,
        cases_audited=findings.cases_audited,
        agencies=tuple(findings.agencies.values()),
        suppress_below=findings.suppress_below,
        strengths=tuple(entry(d) for d in strongest),
        to_improve=tuple(entry(d) for d in weakest),
        learning=tuple(lp.text for lp in findings.learning),
        do_differently=tuple(r.text for r in findings.recommendations),
        supervision_questions=tuple(questions),
    )
