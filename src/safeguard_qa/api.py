"""The high-level Python API: load, evaluate, and evaluate a partnership's returns together."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from safeguard_qa.engine.engine import Engine
from safeguard_qa.errors import InputError, Problem, ReturnError
from safeguard_qa.loaders.files import Limits
from safeguard_qa.loaders.policy import load_policy
from safeguard_qa.loaders.returns import check_return, load_return, validated_return
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules.base import PeerStats


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


def iter_evaluations(
    paths: Sequence[Path],
    *,
    engine: Engine,
    previous_paths: Sequence[Path] = (),
    outcomes: Outcomes | None = None,
    input_format: str | None = None,
    limits: Limits | None = None,
    keep_in_memory: int = 256,
) -> Iterator[Evaluation]:
    """Evaluate a folder's worth of return files as one partnership, in constant memory.

    First every file is read and checked (all problems are raised together, before any
    result), gathering peer counts on the way; then each return is evaluated and yielded.
    Up to ``keep_in_memory`` returns are kept from the first pass; beyond that each file is
    read again, so memory does not grow with the number of returns. Previous returns are
    matched by agency id and read when needed.
    """
    registry = engine.registry
    problems: list[Problem] = []
    kept: dict[Path, Return] = {}
    counts: dict[tuple[str, str], dict[float, int]] = defaultdict(lambda: defaultdict(int))
    keep = len(paths) <= keep_in_memory
    for path in paths:
        ret = load_checked(path, registry, input_format, limits, problems)
        if ret is None:
            continue
        if engine.needs_peers:
            engine.add_peer(counts, ret)
        if keep:
            kept[path] = ret
    previous_by_agency: dict[str, Path] = {}
    for path in previous_paths:
        ret = load_checked(path, registry, input_format, limits, problems)
        if ret is not None:
            previous_by_agency[ret.agency.id] = path
    if problems:
        raise ReturnError(problems)
    peers = PeerStats({k: dict(v) for k, v in counts.items()}) if engine.needs_peers else None
    for path in paths:
        ret = kept.pop(path, None) or load_return(path, limits, input_format, registry)
        previous_path = previous_by_agency.get(ret.agency.id)
        previous = (
            load_return(previous_path, limits, input_format, registry)
            if previous_path is not None
            else None
        )
        yield engine.evaluate(
            ret, previous=previous, peers=peers, outcomes=outcomes, validate=False, file=str(path)
        )


def load_checked(
    path: Path,
    registry: Registry,
    input_format: str | None,
    limits: Limits | None,
    problems: list[Problem],
) -> Return | None:
    # for reading many files and reporting every problem at the end, before any result
    """The return in ``path`` if it loads and fits its framework; otherwise None, with its
    errors added to ``problems``."""
    try:
        ret = load_return(path, limits, input_format, registry)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    errors = [p for p in check_return(ret, registry, str(path)) if p.level == "error"]
    problems.extend(errors)
    return None if errors else ret
