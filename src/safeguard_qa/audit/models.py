"""Multi-agency case-file audits as data: the programme, a round's sample, reviews and meeting.

A partnership keeps one YAML (or JSON) file per audit round: the round's plan, the agencies
taking part, the case sample, each agency's review of each case, and what the multi-agency
meeting agreed. The audit tool (the domains and their grading scale) is a framework of kind
``audit_tool`` (``macfa-practice`` by default); grades are level ids of its scale, and
domains are its criterion ids. The programme (a year of rounds) is a file of its own.

Case records hold no personal data: cases are pseudonymous references, people are roles,
and free text that looks like a name, a date of birth, an NHS number, an address or a
postcode is refused (see :mod:`safeguard_qa.audit.privacy`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safeguard_qa.audit.privacy import CaseRef, SafeShortText, SafeText
from safeguard_qa.models.base import Date, Identifier, Model, ShortText, Text

Theme = Identifier
"""A theme such as ``neglect``, ``exploitation`` or ``domestic_abuse``."""

Reason = Literal[
    "performance_data", "inspection", "practice_review", "partnership_priority", "other"
]
Method = Literal["multi_agency_case_file_audit", "dip_sample", "practitioner_survey", "focus_group"]
RoundStatus = Literal["planned", "in_progress", "complete", "cancelled"]
AgeBand = Literal["unborn", "under-1", "1-4", "5-9", "10-15", "16-17", "18-25"]
LevelOfNeed = Literal["early_help", "child_in_need", "child_protection", "looked_after"]
RecommendationStatus = Literal["not_started", "in_progress", "complete"]

LEVELS_OF_NEED: tuple[LevelOfNeed, ...] = (
    "early_help",
    "child_in_need",
    "child_protection",
    "looked_after",
)


class RoundPlan(Model):
    """One audit round in the programme: what is audited, why, how, when, and how far along.

    ``tool`` names the audit-tool framework (``tool_version``: the newest when omitted).
    """

    id: Identifier
    theme: Theme
    why_chosen: tuple[Reason, ...] = Field(min_length=1)
    rationale: Text = ""
    method: Method = "multi_agency_case_file_audit"
    tool: Identifier = "macfa-practice"
    tool_version: Identifier | None = None
    sample_size: int = Field(ge=1, le=200)
    starts: Date
    ends: Date
    status: RoundStatus = "planned"

    @model_validator(mode="after")
    def _dates_ordered(self) -> RoundPlan:
        if self.ends < self.starts:
            raise ValueError(f"the round ends ({self.ends}) before it starts ({self.starts})")
        return self


class Programme(Model):
    """A partnership's audit programme: the rounds planned for a year."""

    partnership: ShortText
    year: ShortText
    rounds: tuple[RoundPlan, ...] = Field(min_length=1)


class AuditAgency(Model):
    """An agency taking part in the round. ``id`` matches its Section 11 return's agency id,
    which is how audit findings are triangulated with what the agency claims."""

    id: Identifier
    name: ShortText
    type: Identifier


class Case(Model):
    """One child in the sample, by pseudonymous reference and non-identifying attributes."""

    ref: CaseRef
    age_band: AgeBand
    level_of_need: LevelOfNeed
    agencies: tuple[Identifier, ...] = Field(min_length=1)


class DomainGrade(Model):
    """A grade on one domain (a level id of the tool's scale) and the evidence for it."""

    grade: Identifier
    evidence: SafeText = ""


class AgencyReview(Model):
    """One agency's review of its own record of one case.

    ``reviewer_role``: a role, never a name (and not the case's line manager).
    ``grades``: by domain id. ``returned``: when the review came back.
    """

    case: CaseRef
    agency: Identifier
    reviewer_role: SafeShortText = Field(min_length=1)
    practitioner_involved: bool
    returned: Date | None = None
    grades: dict[Identifier, DomainGrade] = Field(default_factory=dict)
    strengths: SafeText = ""
    gaps: SafeText = ""


class CaseAgreement(Model):
    """What the meeting agreed for one case.

    ``grades``: the agreed grade per domain for the case as a whole. ``agency_grades``: where
    the meeting graded one agency's part differently, by agency then domain; otherwise each
    agency's moderated grade is the case's. ``overall`` may not be better than the impact
    grade unless ``overall_reason`` says why.
    """

    case: CaseRef
    grades: dict[Identifier, Identifier] = Field(min_length=1)
    agency_grades: dict[Identifier, dict[Identifier, Identifier]] = Field(default_factory=dict)
    overall: Identifier
    overall_reason: SafeText = ""


class LearningPoint(Model):
    id: Identifier
    text: SafeText = Field(min_length=1)
    tags: tuple[Identifier, ...] = ()
    agencies: tuple[Identifier, ...] = ()
    domains: tuple[Identifier, ...] = ()


class ImmediateConcern(Model):
    """A concern about a child found during the audit, passed at once to the agency's
    manager (``raised_with``: a role) and tracked until ``closed_on``."""

    id: Identifier
    case: CaseRef
    agency: Identifier
    raised_on: Date
    raised_with: SafeShortText
    summary: SafeText = ""
    outcome: SafeText = ""
    closed_on: Date | None = None

    @model_validator(mode="after")
    def _closed_after_raised(self) -> ImmediateConcern:
        if self.closed_on is not None and self.closed_on < self.raised_on:
            raise ValueError(f"closed_on ({self.closed_on}) is before raised_on ({self.raised_on})")
        return self


class Recommendation(Model):
    """An improvement agreed from the audit. ``owner``: a role or team; ``learning``: the
    learning points it answers."""

    id: Identifier
    text: SafeText = Field(min_length=1)
    learning: tuple[Identifier, ...] = ()
    agency: Identifier | None = None
    owner: SafeShortText = ""
    due: Date | None = None
    status: RecommendationStatus = "not_started"
    completed: Date | None = None

    @model_validator(mode="after")
    def _completion_consistent(self) -> Recommendation:
        if self.completed is not None and self.status != "complete":
            raise ValueError("a completed date is given but the status is not 'complete'")
        return self


class Meeting(Model):
    """The multi-agency meeting: agreed grades, learning, concerns and recommendations."""

    held_on: Date
    cases: tuple[CaseAgreement, ...] = ()
    learning: tuple[LearningPoint, ...] = ()
    concerns: tuple[ImmediateConcern, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()


class AuditRound(Model):
    """One audit round's file: plan, agencies, sample, reviews and (once held) the meeting."""

    partnership: ShortText = ""
    round: RoundPlan
    agencies: tuple[AuditAgency, ...] = Field(min_length=1)
    cases: tuple[Case, ...] = Field(min_length=1)
    reviews: tuple[AgencyReview, ...] = ()
    meeting: Meeting | None = None

    def agency_name(self, agency_id: str) -> str:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency.name
        return agency_id

    def moderated(self, case: str, agency: str, domain: str) -> str | None:
        """The agreed grade of ``agency``'s part of ``case`` on ``domain``: the meeting's
        grade for that agency where it gave one, else the case's; None when not agreed."""
        if self.meeting is None:
            return None
        for agreement in self.meeting.cases:
            if agreement.case == case:
                own = agreement.agency_grades.get(agency, {})
                return own.get(domain, agreement.grades.get(domain))
        return None


class SurveyQuestion(Model):
    id: Identifier
    text: ShortText


class SurveyResult(Model):
    """How one agency's practitioners answered one question: how many answered, and how
    many agreed (strongly agree or agree)."""

    agency: Identifier
    question: Identifier
    respondents: int = Field(ge=0)
    agreeing: int = Field(ge=0)

    @model_validator(mode="after")
    def _agreeing_within_respondents(self) -> SurveyResult:
        if self.agreeing > self.respondents:
            raise ValueError(
                f"agreeing ({self.agreeing}) is more than respondents ({self.respondents})"
            )
        return self


class Survey(Model):
    """A practitioner survey's results, per agency and question."""

    id: Identifier
    title: ShortText
    closed_on: Date
    questions: tuple[SurveyQuestion, ...] = Field(min_length=1)
    results: tuple[SurveyResult, ...] = ()


class Link(Model):
    """One framework criterion and the audit domains and survey questions that test it."""

    criterion: Identifier
    domains: tuple[Identifier, ...] = ()
    questions: tuple[Identifier, ...] = ()

    @model_validator(mode="after")
    def _links_something(self) -> Link:
        if not self.domains and not self.questions:
            raise ValueError("a link needs at least one audit domain or survey question")
        return self


class CriterionMapping(Model):
    """Which audit domains and survey questions test which criteria of a framework."""

    framework: Identifier
    tool: Identifier = "macfa-practice"
    links: tuple[Link, ...] = Field(min_length=1)
