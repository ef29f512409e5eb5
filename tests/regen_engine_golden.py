"""The engine's golden output: a fixed, deterministic set of returns evaluated to JSON.

``tests/test_engine_identity.py`` compares what the engine gives today with the files under
``tests/data/engine-golden/``, so a change made for speed cannot change a flag, a rating, a
score or a byte of the JSON unnoticed. When a change to the results is *meant* (new example
data, a new rule, a scoring decision), write the files again from the repository root::

    python -m tests.regen_engine_golden

and review the diff of ``tests/data/engine-golden/`` before committing it.

The cases:

- the example partnership (``examples/partnership``): 2024 alone, and 2025 with 2024 as its
  previous cycle, under the partnership's policy and outcomes;
- the 2025 cycle again with ``explain_scores`` under every built-in roll-up (so the score
  traces, ``weighted_score`` positions and the caps of every strategy are covered);
- returns made by ``benchmarks/generate.py`` (a sample of its first partnership: schools and
  Section 11 agencies with evidence, actions, N/A, missing answers, late and unsigned
  returns; stored as ``generated-returns.json.gz``), under the default policy and under
  ``weighted_score`` with ``explain_scores``.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safeguard_qa.engine import Engine
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import validated_return
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.report.jsonout import dumps

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "data" / "engine-golden"
EXAMPLE = REPO / "examples" / "partnership"
GENERATED_INPUTS = GOLDEN / "generated-returns.json.gz"
GENERATED_SCHOOLS_EVERY = 8
"""Every 8th school of the generated partnership (20 of 160), and all 20 Section 11 returns."""

ROLLUPS = (
    ("weighted_score", "weighted_score"),
    ("weighted_mean", "any_red_is_red"),
    ("percentage_met", "weighted_mean"),
    ("any_red_is_red", "worst_of"),
)
"""(standard, overall) roll-ups evaluated with ``explain_scores``."""


def _cycle(year: str, registry: Registry) -> list[Return]:
    return [validated_return(path, registry)[0] for path in sorted((EXAMPLE / year).glob("*.yaml"))]


def generated_inputs(registry: Registry) -> list[dict[str, Any]]:
    """A sample of ``benchmarks/generate.py``'s first partnership, as return data."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate  # type: ignore[import-not-found]  # benchmarks/, not a package
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return [
        data
        for n, data in enumerate(generate.partnership_returns(registry, 1))
        if data["framework"] != generate.SCHOOL_FRAMEWORK or n % GENERATED_SCHOOLS_EVERY == 0
    ]


def _generated() -> list[Return]:
    # stored beside the golden files: the sdist (which has no benchmarks folder) runs the
    # test too, and a change to the generator does not pass for a change to the engine
    data = json.loads(gzip.decompress(GENERATED_INPUTS.read_bytes()))
    return [Return.model_validate(item) for item in data]


def _with(policy: Policy, standard: str, overall: str) -> Policy:
    return policy.model_copy(
        update={
            "explain_scores": True,
            "rollup": policy.rollup.model_copy(update={"standard": standard, "overall": overall}),
        }
    )


def cases(registry: Registry | None = None) -> dict[str, Callable[[], list[Evaluation]]]:
    """Each golden case by file name, as a function giving its evaluations."""
    registry = registry or load_registry(entry_points=False)
    policy = load_policy(EXAMPLE / "policy.yaml", registry)
    outcomes = load_outcomes(EXAMPLE / "outcomes.yaml")
    by_year = {year: _cycle(year, registry) for year in ("2024", "2025")}
    previous = {ret.agency.id: ret for ret in by_year["2024"]}

    def example(year: str, chosen: Policy) -> Callable[[], list[Evaluation]]:
        before = previous if year == "2025" else None
        return lambda: Engine(registry, chosen).evaluate_many(
            by_year[year], previous=before, outcomes=outcomes
        )

    found: dict[str, Callable[[], list[Evaluation]]] = {
        "example-2024": example("2024", policy),
        "example-2025": example("2025", policy),
    }
    for standard, overall in ROLLUPS:
        found[f"example-2025-{standard}-{overall}"] = example(
            "2025", _with(policy, standard, overall)
        )
    generated = _generated()
    found["generated-default"] = lambda: Engine(registry).evaluate_many(generated)
    found["generated-weighted_score"] = lambda: Engine(
        registry, _with(Policy(), "weighted_score", "weighted_score")
    ).evaluate_many(generated)
    return found


def render(evaluations: list[Evaluation]) -> str:
    """The JSON the command writes for these evaluations."""
    return dumps(evaluations)


def golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.json.gz"


def read_golden(name: str) -> str:
    return gzip.decompress(golden_path(name).read_bytes()).decode("utf-8")


def write_golden(name: str, text: str) -> None:
    # mtime=0: the same JSON always gives the same bytes, so git sees no change
    golden_path(name).write_bytes(gzip.compress(text.encode("utf-8"), 9, mtime=0))


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for old in GOLDEN.glob("*.json.gz"):
        old.unlink()
    registry = load_registry(entry_points=False)
    inputs = json.dumps(generated_inputs(registry), indent=1, ensure_ascii=False)
    GENERATED_INPUTS.write_bytes(gzip.compress(inputs.encode("utf-8"), 9, mtime=0))
    for name, evaluate in cases(registry).items():
        text = render(evaluate())
        write_golden(name, text)
        print(f"{golden_path(name).relative_to(REPO)}: {len(text):,} characters of JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
