"""The high-level Python API: load, evaluate, and evaluate a partnership's returns together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from safeguard_qa.engine.engine import Engine
from safeguard_qa.loaders.policy import load_policy
from safeguard_qa.loaders.returns import validated_return
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry, load_registry


def evaluate(
    ret: Return,
    *,
    previous: Return | None = None,
    policy: Policy | None = None,
    registry: Registry | None = None,
    outcomes: Outcomes | None = None,
) -> Evaluation:
    """Evaluate one return (checked against its framework first)."""
    engine = Engine(registry or load_registry(), policy)
    return engine.evaluate(ret, previous=previous, outcomes=outcomes)


def evaluate_returns(
    returns: Sequence[Return],
    *,
    registry: Registry | None = None,
    policy: Policy | None = None,
    previous: Mapping[str, Return] | None = None,
    outcomes: Outcomes | None = None,
    policy_file: str = "policy",
) -> list[Evaluation]:
    """Evaluate a partnership's returns together, so peer rules can compare agencies.
    ``previous`` maps an agency id to its previous return."""
    engine = Engine(registry or load_registry(), policy, policy_file=policy_file)
    return engine.evaluate_many(returns, previous=previous, outcomes=outcomes)


def evaluate_file(
    path: str | Path,
    *,
    policy: str | Path | None = None,
    previous: str | Path | None = None,
    registry: Registry | None = None,
) -> Evaluation:
    """Read, check and evaluate one return file."""
    registry = registry or load_registry()
    ret, _, _ = validated_return(Path(path), registry)
    prev = validated_return(Path(previous), registry)[0] if previous is not None else None
    loaded_policy = load_policy(Path(policy), registry) if policy is not None else None
    engine = Engine(registry, loaded_policy, policy_file=str(policy or "policy"))
    return engine.evaluate(ret, previous=prev, validate=False)
