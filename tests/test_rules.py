"""Every built-in rule against its passing and failing cases, kept as data in rule_cases/.

A case starts from a clean return (tests/factories.py: no rule flags it), changes what it
says, runs only the rule under test, and compares the flags with ``expect``: a list of
``{criterion, severity?, caps?}`` (criterion null for return-level flags). ``previous``
and ``peers`` build a previous return and peer agencies the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.engine import Engine
from safeguard_qa.errors import UnknownFrameworkError
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.policy import Policy
from safeguard_qa.plugins import Registry, load_registry
from tests.factories import build, clean_return_data, with_changes

CASE_DIR = Path(__file__).parent / "rule_cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASE_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["rule"] == path.stem, f"{path.name} names rule {doc['rule']}"
        for case in doc["cases"]:
            params.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}: {case['name']}"))
    return params


def test_every_built_in_rule_has_cases(registry: Registry) -> None:
    covered = {path.stem for path in CASE_DIR.glob("*.yaml")}
    built_in = {
        rule_id for rule_id in registry.rules if registry.owners[("rules", rule_id)] == "rules"
    }
    assert built_in == covered


@functools.cache
def _own_registry() -> Registry:
    return load_registry(entry_points=False)


def _changed_framework(registry: Registry, framework_id: str, changes: dict[str, Any]) -> str:
    """A copy of an installed framework with top-level fields changed, installed under its
    own id (e.g. to switch on ``na_requires_reason`` for a rule's cases)."""
    base = registry.framework(framework_id)
    digest = hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()[:8]
    new_id = f"{framework_id}-changed-{digest}"
    try:
        registry.framework(new_id)
    except UnknownFrameworkError:
        data = {**base.model_dump(), **changes, "id": new_id}
        registry.add_framework(Framework.model_validate(data))
    return new_id


def _evaluate(registry: Registry, rule_id: str, case: dict[str, Any]) -> Any:
    agency = case.get("agency", {})
    framework = case.get("framework", "s11-wt2023")
    if "framework_changes" in case:
        registry = _own_registry()  # the shared one stays as shipped
        framework = _changed_framework(registry, framework, case["framework_changes"])
    base = clean_return_data(
        registry,
        framework,
        agency_type=agency.get("type"),
        statutory=agency.get("statutory", True),
    )
    ret = build(with_changes(base, case.get("change")))
    policy_fields = dict(case.get("policy", {}))
    policy_fields["only_rules"] = [rule_id]
    if "params" in case:
        policy_fields["rules"] = {rule_id: {"params": case["params"]}}
    engine = Engine(registry, Policy.model_validate(policy_fields))
    previous = build(with_changes(base, case["previous"])) if "previous" in case else None
    if "peers" in case:
        peers = [
            build(
                with_changes(
                    clean_return_data(
                        registry,
                        framework,
                        agency_id=f"peer-{i}",
                        agency_type=change.get("agency_type"),
                    ),
                    {k: v for k, v in change.items() if k != "agency_type"},
                )
            )
            for i, change in enumerate(case["peers"])
        ]
        return engine.evaluate_many([ret, *peers])[0]
    return engine.evaluate(ret, previous=previous)


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_case(registry: Registry, rule_id: str, case: dict[str, Any]) -> None:
    evaluation = _evaluate(registry, rule_id, case)
    flags = [f for f in evaluation.flags if f.rule == rule_id]
    assert all(f.rule == rule_id for f in evaluation.flags), "only the rule under test runs"
    if "expect" in case:
        assert [f.criterion for f in flags] == [e["criterion"] for e in case["expect"]], [
            f.message for f in flags
        ]
        for flag, expected in zip(flags, case["expect"], strict=True):
            if "severity" in expected:
                assert flag.severity.value == expected["severity"], flag.message
            if "caps" in expected:
                caps = flag.caps.value if flag.caps is not None else None
                assert caps == expected["caps"], flag.message
            assert flag.message
            assert flag.question
    if "expect_min" in case:
        assert len(flags) >= case["expect_min"]
    for absent in case.get("expect_absent", []):
        assert absent not in {f.criterion for f in flags}
