"""Challenge rules: the base class, the context rules read, and the built-in rules."""

from safeguard_qa.rules.base import (
    CriterionView,
    Finding,
    NoParams,
    PeerStats,
    ReturnContext,
    Rule,
)

__all__ = ["CriterionView", "Finding", "NoParams", "PeerStats", "ReturnContext", "Rule"]
