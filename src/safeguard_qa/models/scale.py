"""Rating scales as data: ordered levels, each mapped to a red-amber-green (RAG) value."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from safeguard_qa.models.base import Identifier, Model


class RAG(StrEnum):
    """Red-amber-green, plus blue for "exceeds / embedded". Ordered worst to best."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        return _RAG_ORDER[self]

    @classmethod
    def worst(cls, values: list[RAG]) -> RAG:
        return min(values, key=_RAG_ORDER.__getitem__)

    def at_most(self, cap: RAG) -> RAG:
        """This value, or ``cap`` when ``cap`` is worse."""
        return cap if _RAG_ORDER[cap] < _RAG_ORDER[self] else self


_RAG_ORDER: dict[RAG, int] = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2, RAG.BLUE: 3}

NA = "na"
"""The response value that means "not applicable to us"."""


class Level(Model):
    """One level of a scale."""

    id: Identifier
    label: str
    description: str = ""
    value: float = Field(description="Numeric value; see the scale's direction.")
    rag: RAG


class Scale(Model):
    """An ordered rating scale.

    ``direction`` says whether a higher ``value`` is better (most scales) or worse (Devon's
    1-4 where 1 is best). ``na_allowed_for`` says who may answer N/A: nobody, non-statutory
    agencies only, or every agency. ``na_levels`` are levels that mean "not applicable" in the
    template (e.g. 0 = N/A on a 1-3 scale): answering one is answering N/A, so it is left out
    of every score and never counted as the worst level.
    """

    id: Identifier
    title: str
    description: str = ""
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    na_allowed_for: Literal["none", "non_statutory", "all"] = "non_statutory"
    levels: tuple[Level, ...] = Field(min_length=2)
    na_levels: tuple[Identifier, ...] = ()

    @model_validator(mode="after")
    def _levels_distinct(self) -> Scale:
        ids = [lv.id for lv in self.levels]
        folded = [i.casefold() for i in ids]
        dupes = sorted({i for i in ids if folded.count(i.casefold()) > 1})
        if dupes:
            # answers are matched case-insensitively: 'Green' and 'green' would be one level
            raise ValueError(f"duplicate level ids {dupes} (level ids are matched ignoring case)")
        if NA in folded:
            raise ValueError(f"'{NA}' is reserved for not-applicable answers; use na_allowed_for")
        values = [lv.value for lv in self.levels]
        if len(set(values)) != len(values):
            raise ValueError("two levels share a value; each level needs its own value")
        unknown = [i for i in self.na_levels if i.casefold() not in folded]
        if unknown:
            raise ValueError(f"na_levels {unknown} are not levels of the scale")
        if len(self.levels) - len(self.na_levels) < 2:
            raise ValueError("a scale needs at least two levels besides its N/A levels")
        return self

    def is_na(self, level: Level) -> bool:
        """Whether answering this level means "not applicable"."""
        return level.id.casefold() in self._na_ids

    @cached_property
    def _na_ids(self) -> frozenset[str]:
        return frozenset(i.casefold() for i in self.na_levels)

    @cached_property
    def _by_id(self) -> dict[str, Level]:
        return {lv.id.casefold(): lv for lv in self.levels}

    @cached_property
    def _bounds(self) -> tuple[float, float]:
        values = [lv.value for lv in self.levels if not self.is_na(lv)]
        worst, best = (min(values), max(values))
        return (worst, best) if self.direction == "higher_is_better" else (best, worst)

    def level(self, level_id: str) -> Level | None:
        """The level with this id (case-insensitive), or None."""
        return self._by_id.get(level_id.casefold())

    def score(self, level: Level) -> float:
        """The level's position from 0.0 (worst) to 1.0 (best), whatever the direction."""
        worst, best = self._bounds
        return (level.value - worst) / (best - worst)

    @cached_property
    def ordered(self) -> tuple[Level, ...]:
        """Levels from worst to best (N/A levels are not ranked)."""
        return tuple(sorted((lv for lv in self.levels if not self.is_na(lv)), key=self.score))

    @cached_property
    def _ranks(self) -> dict[str, int]:
        return {lv.id.casefold(): rank for rank, lv in enumerate(self.ordered)}

    def rank(self, level: Level) -> int:
        """0 for the worst level, counting up."""
        rank = self._ranks.get(level.id.casefold())
        if rank is not None and self.ordered[rank] is level:
            return rank  # the scale's own level: no comparison of models field by field
        return self.ordered.index(level)

    def allows_na(self, statutory_agency: bool) -> bool:
        if self.na_allowed_for == "all":
            return True
        return self.na_allowed_for == "non_statutory" and not statutory_agency

    def level_ids(self) -> list[str]:
        return [lv.id for lv in self.levels]
