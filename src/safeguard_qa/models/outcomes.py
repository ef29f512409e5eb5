"""Challenge outcomes: what the panel decided at the challenge event. History, never overwritten."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from safeguard_qa.models.base import Date, Identifier, Model, ShortText, Text

Decision = Literal["accepted", "rating_revised", "action_agreed", "dismissed"]


class Outcome(Model):
    """One decision about one agency's flag (by fingerprint) or criterion.

    It applies to the return it judged: the agency's return whose period ended in the year
    before ``decided_on``. A flag outcome with ``expires`` also carries forward to the
    agency's later returns until that date (e.g. an agreed exception). ``decided_by`` is a
    role or initials, not a full name: it appears in reports.
    """

    agency: Identifier
    flag: Identifier | None = None
    criterion: Identifier | None = None
    moderated: Identifier | None = None
    decision: Decision
    reason: Text
    decided_by: ShortText
    decided_on: Date
    expires: Date | None = None

    @model_validator(mode="after")
    def _has_target(self) -> Outcome:
        if self.flag is None and self.criterion is None:
            raise ValueError("name the 'flag' (fingerprint) or the 'criterion' decided on")
        if self.decision == "rating_revised" and self.moderated is None:
            raise ValueError("decision 'rating_revised' needs the 'moderated' rating")
        if self.expires is not None and self.expires < self.decided_on:
            raise ValueError(f"expires ({self.expires}) is before decided_on ({self.decided_on})")
        return self


class Outcomes(Model):
    """An outcomes file: a list of decisions, in the order they were recorded."""

    outcomes: tuple[Outcome, ...] = Field(default=())
    notes: ShortText = ""
