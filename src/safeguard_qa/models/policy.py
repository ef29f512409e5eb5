"""The policy: how a partnership turns ratings into RAG and which challenge rules it runs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from safeguard_qa.models.base import Date, Identifier, Model


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER[self]


_SEVERITY_ORDER = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


SCORE_DIGITS = 6
"""Scores are reported, and banded, rounded to this many decimals."""


class Bands(Model):
    """Lower bounds of each RAG band on a 0..1 score; below ``amber`` is red.

    ``blue`` may be omitted: the band then never gives blue.
    """

    blue: float | None = Field(default=None, ge=0, le=1)
    green: float = Field(ge=0, le=1)
    amber: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        for name in ("blue", "green", "amber"):
            bound = getattr(self, name)
            if bound is not None and round(bound, SCORE_DIGITS) != bound:
                # scores are reported, and banded, to this many decimals: a finer bound would
                # band a score differently from the score shown beside it
                raise ValueError(
                    f"the {name} bound {bound!r} has more than {SCORE_DIGITS} decimal places"
                )
        if self.amber > self.green or (self.blue is not None and self.green > self.blue):
            raise ValueError("bands must rise: amber <= green <= blue")
        return self


class Rollup(Model):
    """The roll-up strategy at each level, by the name it is registered under."""

    standard: Identifier = "worst_of"
    overall: Identifier = "any_red_is_red"


class RuleConfig(Model):
    """Per-rule settings: switch it off, override its severity, set its parameters."""

    enabled: bool = True
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Policy(Model):
    """A partnership's evaluation policy. Every field has a conservative default.

    ``as_of``: the date "overdue" and "stale" are measured at; when omitted, each return's
    own submitted date (else its deadline, else the end of its period), so results never
    depend on the day they are run. ``explain_scores``: each standard's and the overall
    assured score carries its basis (what was averaged, with which weights).
    """

    as_of: Date | None = None
    rollup: Rollup = Rollup()
    mean_bands: Bands = Bands(blue=0.95, green=0.6, amber=0.3)
    met_bands: Bands = Bands(green=0.9, amber=0.6)
    rules: dict[Identifier, RuleConfig] = Field(default_factory=dict)
    only_rules: tuple[Identifier, ...] | None = None
    agenda_size: int = Field(default=10, ge=1, le=1000)
    theme_share: float = Field(default=0.5, gt=0, le=1)
    explain_scores: bool = False

    def rule_config(self, rule_id: str) -> RuleConfig:
        return self.rules.get(rule_id, _DEFAULT_RULE_CONFIG)

    def runs(self, rule_id: str) -> bool:
        if self.only_rules is not None and rule_id not in self.only_rules:
            return False
        return self.rule_config(rule_id).enabled


_DEFAULT_RULE_CONFIG = RuleConfig()
