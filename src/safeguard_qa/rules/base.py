"""Rules and the context they read: defined in :mod:`safeguard_qa.contract`, the one module
of types plugins implement or receive; importable from here as before."""

from safeguard_qa.contract import (
    CriterionView,
    Finding,
    NoParams,
    PeerKey,
    PeerStats,
    ReturnContext,
    Rule,
)

__all__ = [
    "CriterionView",
    "Finding",
    "NoParams",
    "PeerKey",
    "PeerStats",
    "ReturnContext",
    "Rule",
]
