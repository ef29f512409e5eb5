"""A return: one agency's completed self-assessment against a framework."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from safeguard_qa.models.base import Date, Identifier, Model, Number, ShortText, Text


class Agency(Model):
    """The organisation making the return. ``statutory``: under a statutory duty (N/A limited)."""

    id: Identifier
    name: ShortText
    type: Identifier
    sector: Identifier | None = None
    statutory: bool = True


class Period(Model):
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class SignOff(Model):
    """Who signed the return off. The name is kept in the return but never reported."""

    name: ShortText
    role: ShortText
    date: Date


class EvidenceItem(Model):
    description: Text
    reference: ShortText = ""
    date: Date | None = None


ActionStatus = Literal["not_started", "in_progress", "complete"]


class Action(Model):
    """One line of the action plan."""

    description: Text
    owner: ShortText = ""
    due: Date | None = None
    status: ActionStatus = "not_started"
    completed: Date | None = None

    @model_validator(mode="after")
    def _completion_consistent(self) -> Action:
        if self.completed is not None and self.status != "complete":
            raise ValueError("a completed date is given but the status is not 'complete'")
        return self


class Response(Model):
    """The answer to one criterion.

    ``rating`` is a level id of the criterion's scale, ``yes``/``no``, or ``na``; ``value`` is
    the figure for a numeric indicator; ``moderated`` is the panel's rating where recorded.
    """

    criterion: Identifier
    rating: Identifier | None = None
    value: Number | None = None
    moderated: Identifier | None = None
    evidence: tuple[EvidenceItem, ...] = ()
    commentary: Text = ""
    actions: tuple[Action, ...] = ()


class NotApplicableStandard(Model):
    """A whole standard marked not applicable, with the reason: its criteria are left out
    and the overall roll-up is re-weighted without it."""

    standard: Identifier
    reason: Text = ""


class Return(Model):
    """An agency's self-assessment for one period."""

    framework: Identifier
    framework_version: Identifier
    agency: Agency
    period: Period
    deadline: Date | None = None
    submitted: Date | None = None
    sign_off: SignOff | None = None
    responses: tuple[Response, ...] = Field(default=(), max_length=5000)
    not_applicable: tuple[NotApplicableStandard, ...] = ()

    @cached_property
    def standards_na(self) -> frozenset[str]:
        """Ids of the standards marked not applicable."""
        return frozenset(item.standard for item in self.not_applicable)

    @property
    def id(self) -> str:
        """A stable id: agency, framework and the end of the period."""
        return f"{self.agency.id}/{self.framework}/{self.period.end.isoformat()}"

    @cached_property
    def by_criterion(self) -> dict[str, Response]:
        """Responses by criterion id. With duplicates (a validation error) the first wins."""
        found: dict[str, Response] = {}
        for response in self.responses:
            found.setdefault(response.criterion, response)
        return found
