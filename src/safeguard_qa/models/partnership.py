"""Who the partnership expects a return from this cycle."""

from __future__ import annotations

from pydantic import Field

from safeguard_qa.models.base import Identifier, Model, ShortText


class ExpectedAgency(Model):
    """An agency expected to make a return, and on which framework."""

    id: Identifier
    name: ShortText
    type: Identifier
    framework: Identifier | None = None
    statutory: bool = True


class ExpectedAgencies(Model):
    """The expected-agencies file: the partnership's list for one cycle."""

    partnership: ShortText = ""
    cycle: ShortText = ""
    agencies: tuple[ExpectedAgency, ...] = Field(min_length=1)
