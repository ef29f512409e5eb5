"""Before/after guard of the engine: the same returns give the same JSON, byte for byte.

The golden files under ``tests/data/engine-golden/`` were written from the engine before it
was made faster; every change since must leave every flag, rating, score, trace and byte of
the JSON as it was. The cases (the example partnership under its policy and outcomes, the
same cycle under every built-in roll-up with ``explain_scores``, and returns made by
``benchmarks/generate.py``) are described in ``tests/regen_engine_golden.py``.

When a change to the results is meant (the example data changed, a new rule, a scoring
decision), write the golden files again from the repository root and review their diff::

    python -m tests.regen_engine_golden
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from safeguard_qa import hookimpl
from safeguard_qa.engine import Engine, fingerprint
from safeguard_qa.models.policy import Policy, Severity
from safeguard_qa.models.results import Evaluation
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules.base import Finding, ReturnContext, Rule
from tests.factories import build
from tests.regen_engine_golden import cases, golden_path, read_golden, render

Cases = dict[str, Callable[[], list[Evaluation]]]


@pytest.fixture(scope="module")
def golden_cases(registry: Registry) -> Cases:
    return cases(registry)


NAMES = (
    "example-2024",
    "example-2025",
    "example-2025-weighted_score-weighted_score",
    "example-2025-weighted_mean-any_red_is_red",
    "example-2025-percentage_met-weighted_mean",
    "example-2025-any_red_is_red-worst_of",
    "generated-default",
    "generated-weighted_score",
)


def test_every_case_has_a_golden_file(golden_cases: Cases) -> None:
    assert sorted(golden_cases) == sorted(NAMES)
    for name in NAMES:
        assert golden_path(name).is_file(), f"run `python -m tests.regen_engine_golden` ({name})"


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_gives_the_golden_json(golden_cases: Cases, name: str) -> None:
    now = render(golden_cases[name]())
    before = read_golden(name)
    if now != before:
        diff = difflib.unified_diff(
            before.splitlines(), now.splitlines(), "golden", "now", n=3, lineterm=""
        )
        shown = "\n".join(line for _, line in zip(range(60), diff, strict=False))
        pytest.fail(
            f"{name}: the engine's JSON changed (if meant, run "
            f"`python -m tests.regen_engine_golden` and review the diff):\n{shown}"
        )


def test_the_cases_exercise_what_the_engine_does(golden_cases: Cases) -> None:
    """A golden file only guards what its returns reach: every built-in rule fires, scores
    are traced, moderated ratings, outcomes and dismissals appear somewhere."""
    text = "".join(read_golden(name) for name in NAMES)
    for needle in (
        '"status": "dismissed"',
        '"moderated_rag": "',
        '"overall_basis": [',
        '"caps": "red"',
        '"caps": "amber"',
    ):
        assert needle in text, needle
    from safeguard_qa.rules.builtin import BUILT_IN_RULES

    for rule in BUILT_IN_RULES:
        assert f'"rule": "{rule.id}"' in text, rule.id


def _models(ev: Evaluation) -> list[BaseModel]:
    found: list[BaseModel] = [ev, ev.agency, ev.framework, ev.overall]
    found += [*ev.standards, *ev.criteria, *ev.flags, *(ev.overall_basis or ())]
    for standard in ev.standards:
        found += standard.basis or ()
    return found


def test_results_are_the_models_validation_would_build(golden_cases: Cases) -> None:
    """The engine builds its results without validating them again: each must equal, in
    value, JSON (field order included) and fields set, the model validated from the same
    fields, so pydantic's serialiser, copies and equality treat them alike."""
    seen: set[type[BaseModel]] = set()
    for ev in golden_cases["example-2025-weighted_score-weighted_score"]():
        for model in _models(ev):
            given = {name: getattr(model, name) for name in model.model_fields_set}
            validated = type(model)(**given)
            assert model == validated
            assert model.model_fields_set == validated.model_fields_set
            assert model.model_dump_json() == validated.model_dump_json()
            assert list(model.__dict__) == list(type(model).model_fields)
            seen.add(type(model))
    assert {type(m).__name__ for m in _models(ev)} <= {t.__name__ for t in seen}
    assert len(seen) == 8  # Evaluation, refs, ratings, standard, criterion, flag, basis


class _Loose(Rule):
    """A plugin's rule giving a list for evidence and a severity as text."""

    id = "loose"
    title = "Loose types"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx: ReturnContext, params: Any) -> Iterator[Finding]:
        yield Finding("list evidence", evidence=["a", "b"], severity="high")  # type: ignore[arg-type]


class _LoosePlugin:
    @staticmethod
    @hookimpl
    def register_rules(register: Any) -> None:
        register(_Loose())


def test_findings_of_other_types_are_validated_into_flags(clean_data: Any) -> None:
    registry = load_registry(entry_points=False, extra=[("loose-plugin", _LoosePlugin)])
    policy = Policy(only_rules=("loose",))
    (flag,) = Engine(registry, policy).evaluate(build(clean_data())).flags
    assert flag.evidence == ("a", "b")
    assert flag.severity is Severity.HIGH
    assert flag.fingerprint == fingerprint("loose", build(clean_data()), None, "")
