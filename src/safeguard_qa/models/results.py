"""What the engine produces. The JSON form of these models is the stable, documented output."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from safeguard_qa.models.base import Model
from safeguard_qa.models.outcomes import Outcome
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.scale import RAG

SCHEMA_VERSION = "1"

FlagStatus = Literal["open", "accepted", "rating_revised", "action_agreed", "dismissed"]


class Flag(Model):
    """A challenge flag: a claim the evidence does not support, and what the panel should ask.

    ``fingerprint`` is stable: the same finding on the same return always has the same one,
    so outcomes recorded against it apply again next time. ``caps`` is the best RAG the
    assured rating may have while the flag stands. ``status`` is "open" until a challenge
    outcome decides it; a dismissed flag stays listed and counted.
    """

    fingerprint: str
    rule: str
    severity: Severity
    agency: str
    standard: str | None = None
    criterion: str | None = None
    message: str
    evidence: tuple[str, ...] = ()
    question: str
    caps: RAG | None = None
    status: FlagStatus = "open"
    reason: str | None = None

    def fails(self, fail_on: Severity) -> bool:
        """Whether the flag fails a run with ``--fail-on fail_on``: not dismissed, and at or
        above that severity (the one test the exit code and the JUnit export share)."""
        return self.status != "dismissed" and self.severity.rank >= fail_on.rank


class Ratings(Model):
    """Self (as the agency rated), assured (what the evidence supports) and moderated (panel)."""

    self_rag: RAG | None = None
    assured_rag: RAG | None = None
    moderated_rag: RAG | None = None
    self_score: float | None = None
    assured_score: float | None = None


class CriterionResult(Ratings):
    criterion: str
    standard: str
    answer_type: str
    weight: float
    self_level: str | None = None
    moderated_level: str | None = None
    value: float | None = None
    not_applicable: bool = False
    answered: bool = False
    flags: tuple[str, ...] = Field(default=(), description="Fingerprints of the flags on it.")


class BasisItem(Model):
    """One part of a score: a criterion of a standard's score, or a standard of the
    overall, with the value the roll-up used and its weight."""

    part: str
    rag: RAG
    value: float
    weight: float


def _absent(value: object) -> bool:
    return value is None


class StandardResult(Ratings):
    standard: str
    title: str
    basis: tuple[BasisItem, ...] | None = Field(
        default=None,
        exclude_if=_absent,
        description="What the assured score was made of (with the policy's explain_scores).",
    )


class AgencyRef(Model):
    id: str
    name: str
    type: str
    sector: str | None = None
    statutory: bool


class FrameworkRef(Model):
    id: str
    version: str


class Evaluation(Model):
    """One return, evaluated. ``agenda`` lists flag fingerprints in the order to raise them."""

    schema_version: str = SCHEMA_VERSION
    fingerprint_version: str = Field(
        default="2", description="How flag fingerprints are made; stored outcomes name them."
    )
    return_id: str
    agency: AgencyRef
    framework: FrameworkRef
    period_start: date
    period_end: date
    as_of: date
    deadline: date | None = None
    submitted: date | None = None
    sign_off_role: str | None = None
    overall: Ratings
    overall_basis: tuple[BasisItem, ...] | None = Field(
        default=None,
        exclude_if=_absent,
        description="What the overall assured score was made of (with explain_scores).",
    )
    standards: tuple[StandardResult, ...]
    criteria: tuple[CriterionResult, ...]
    flags: tuple[Flag, ...]
    agenda: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = Field(
        default=(), description="The challenge outcomes applied to this return, in order."
    )

    def flag(self, fingerprint: str) -> Flag:
        for flag in self.flags:
            if flag.fingerprint == fingerprint:
                return flag
        raise KeyError(fingerprint)

    def agenda_flags(self) -> list[Flag]:
        by_fp = {f.fingerprint: f for f in self.flags}
        return [by_fp[fp] for fp in self.agenda]
