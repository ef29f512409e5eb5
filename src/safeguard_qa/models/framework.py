"""A framework: one set of standards (Section 11, Section 175, a local variant) as data."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, model_validator

from safeguard_qa.models.base import Identifier, Model, Number, ShortText, Text
from safeguard_qa.models.scale import RAG, Scale


class RatingAnswer(Model):
    """Answered with a level of the framework's scale, or of ``scale`` when given."""

    type: Literal["rating"] = "rating"
    scale: Identifier | None = None


class YesNoAnswer(Model):
    """Answered yes or no (the built-in ``yes_no`` scale: yes is green, no is red)."""

    type: Literal["yes_no"]


class NarrativeAnswer(Model):
    """Answered in commentary only; never rated and never rolled up."""

    type: Literal["narrative"]


class NumericAnswer(Model):
    """A performance indicator: a count or a percentage with red/amber/green thresholds.

    With ``higher_is_better``, a value at or above ``green`` is green, at or above ``amber`` is
    amber, else red; with ``lower_is_better`` the comparisons are reversed.
    """

    type: Literal["numeric"]
    unit: Literal["count", "percent"] = "percent"
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    green: Number
    amber: Number
    min: Number | None = None
    """The lowest figure accepted (default: 0)."""
    max: Number | None = None
    """The highest figure accepted (default: 100 for a percentage, none for a count)."""
    step: Number | None = Field(default=None, gt=0)
    """Figures must be whole multiples of this (e.g. 5 for a percentage in 5% steps)."""

    @property
    def lowest(self) -> float:
        return self.min if self.min is not None else 0.0

    @property
    def highest(self) -> float | None:
        if self.max is not None:
            return self.max
        return 100.0 if self.unit == "percent" else None

    def score(self, value: float) -> float | None:
        """The figure's position from 0.0 (worst) to 1.0 (best) between ``min`` and ``max``,
        for roll-ups that average the figures themselves; None without an upper bound."""
        top = self.highest
        if top is None or top <= self.lowest:
            return None
        position = min(max((value - self.lowest) / (top - self.lowest), 0.0), 1.0)
        return position if self.direction == "higher_is_better" else 1.0 - position

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> NumericAnswer:
        if self.direction == "higher_is_better" and self.green < self.amber:
            raise ValueError("with higher_is_better, 'green' must be at least 'amber'")
        if self.direction == "lower_is_better" and self.green > self.amber:
            raise ValueError("with lower_is_better, 'green' must be at most 'amber'")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("'min' must be below 'max'")
        return self

    def rag(self, value: float) -> RAG:
        if self.direction == "higher_is_better":
            return (
                RAG.GREEN if value >= self.green else RAG.AMBER if value >= self.amber else RAG.RED
            )
        return RAG.GREEN if value <= self.green else RAG.AMBER if value <= self.amber else RAG.RED


class Requirement(Model):
    """What a template demands when an item is rated at or below ``level``: an explanation
    (commentary) and/or an action with a description, an owner and a due date ("if not in
    place, an explanation and timescale MUST be given")."""

    level: Identifier
    commentary: bool = False
    action: bool = True


Answer = Annotated[
    RatingAnswer | YesNoAnswer | NarrativeAnswer | NumericAnswer, Field(discriminator="type")
]


class Criterion(Model):
    """One indicator an agency answers.

    ``mandatory``: a response is required. ``statutory``: the item reflects a statutory duty,
    so N/A is challenged. ``applies_to``: agency types or sectors it is asked of (empty: all).
    ``descriptors``: what each level of the scale looks like for this item, by level id;
    with ``descriptors_cumulative`` each level also includes the descriptors of the levels
    below it (as in templates where green is "all of amber, and more").
    """

    id: Identifier
    text: Text
    guidance: Text = ""
    evidence_prompts: tuple[ShortText, ...] = ()
    challenge_questions: tuple[ShortText, ...] = ()
    references: tuple[ShortText, ...] = ()
    mandatory: bool = True
    statutory: bool = True
    weight: float = Field(default=1.0, gt=0, le=100)
    tags: tuple[Identifier, ...] = ()
    applies_to: tuple[Identifier, ...] = ()
    answer: Answer = RatingAnswer()
    descriptors: dict[Identifier, Text] = Field(default_factory=dict)
    descriptors_cumulative: bool = False
    required_at_or_below: Requirement | None = None
    """Overrides the framework's ``required_at_or_below`` for this item."""

    def applies(self, agency_type: str, sector: str | None) -> bool:
        return not self.applies_to or agency_type in self.applies_to or sector in self.applies_to


class Standard(Model):
    """A group of criteria. ``weight`` counts in mean roll-ups of the overall rating;
    ``mandatory``: a return may not mark the whole standard not applicable."""

    id: Identifier
    title: ShortText
    description: Text = ""
    weight: float = Field(default=1.0, gt=0, le=100)
    mandatory: bool = False
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class Source(Model):
    """A public document the framework was drawn from."""

    title: ShortText
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class Framework(Model):
    """A complete set of standards with its rating scale.

    ``scale`` names an installed scale or defines one inline. ``applies_to`` lists the
    agency types or sectors the framework is meant for (empty: any). ``scales`` defines
    further scales inline that criteria may name. ``kind`` says what is
    answered against it: an agency's self-assessment return (the default), or a case-file
    audit tool whose criteria are the practice domains each case is graded on.
    """

    id: Identifier
    version: Identifier
    kind: Literal["self_assessment", "audit_tool"] = "self_assessment"
    title: ShortText
    description: Text = ""
    legal_basis: tuple[ShortText, ...] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)
    applies_to: tuple[Identifier, ...] = ()
    scale: Identifier | Scale
    scales: tuple[Scale, ...] = ()
    """More scales defined inline, which criteria may name in ``answer.scale``."""
    na_requires_reason: bool = False
    """An N/A answer (item or whole standard) must say why, in its commentary or reason."""
    required_at_or_below: Requirement | None = None
    """A requirement for every rated item (see :class:`Requirement`); items may override."""
    standards: tuple[Standard, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Framework:
        seen: set[str] = set()
        for standard in self.standards:
            if standard.id in seen:
                raise ValueError(f"standard id {standard.id!r} is used twice")
            seen.add(standard.id)
        seen = set()
        for standard in self.standards:
            for criterion in standard.criteria:
                if criterion.id in seen:
                    raise ValueError(f"criterion id {criterion.id!r} is used twice")
                seen.add(criterion.id)
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    @cached_property
    def criteria(self) -> dict[str, Criterion]:
        """Every criterion by id, in framework order."""
        return {c.id: c for s in self.standards for c in s.criteria}

    @cached_property
    def inline_scales(self) -> dict[str, Scale]:
        """The scales defined in the framework itself, by id."""
        found = {s.id: s for s in self.scales}
        if isinstance(self.scale, Scale):
            found.setdefault(self.scale.id, self.scale)
        return found

    @cached_property
    def standard_of(self) -> dict[str, Standard]:
        """The standard each criterion belongs to, by criterion id."""
        return {c.id: s for s in self.standards for c in s.criteria}
