"""Every audit rule against its passing and failing cases, kept as data in audit_cases/.

A case starts from the clean round in ``audit_cases/_base.yaml`` (no rule flags it), replaces
what ``change`` gives (mappings merge, lists are replaced), runs only the rule under test on
``as_of`` (default 2025-03-01) and compares the flags with ``expect``: a list of
``{agency?, domain?, severity?, message?}``.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.audit import BUILTIN_RULES, AuditRound, run_rules
from safeguard_qa.audit.loaders import check_round, tool_scale
from safeguard_qa.audit.rules import fingerprint
from safeguard_qa.engine.engine import fingerprint as engine_fingerprint
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry

CASE_DIR = Path(__file__).parent / "audit_cases"
BASE = yaml.safe_load((CASE_DIR / "_base.yaml").read_text(encoding="utf-8"))
RULES = {rule.id: rule for rule in BUILTIN_RULES}


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASE_DIR.glob("audit-*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["rule"] == path.stem, f"{path.name} names rule {doc['rule']}"
        for case in doc["cases"]:
            params.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}: {case['name']}"))
    return params


def merged(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merged(base.get(key), value)
        return out
    return copy.deepcopy(change)


def test_every_audit_rule_has_cases() -> None:
    assert {p.stem for p in CASE_DIR.glob("audit-*.yaml")} == set(RULES)


def test_the_base_round_is_valid_and_clean(registry: Registry) -> None:
    audit = AuditRound.model_validate(BASE)
    tool = registry.framework("macfa-practice")
    assert check_round(audit, tool, registry, "base") == []
    assert run_rules(audit, tool, tool_scale(tool, registry), as_of=dt.date(2025, 3, 1)) == []


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_audit_rule_case(registry: Registry, rule_id: str, case: dict[str, Any]) -> None:
    audit = AuditRound.model_validate(merged(BASE, case.get("change") or {}))
    tool = registry.framework("macfa-practice")
    assert check_round(audit, tool, registry, "case") == []
    as_of = case.get("as_of", dt.date(2025, 3, 1))
    flags = run_rules(audit, tool, tool_scale(tool, registry), as_of=as_of, rules=[RULES[rule_id]])
    assert len(flags) == len(case["expect"]), [f.message for f in flags]
    for flag, expected in zip(flags, case["expect"], strict=True):
        assert flag.rule == rule_id
        assert flag.question
        if "agency" in expected:
            assert flag.agency == expected["agency"]
        if "domain" in expected:
            assert flag.criterion == expected["domain"]
            assert flag.standard == "practice"
        if "severity" in expected:
            assert flag.severity.value == expected["severity"]
        if "message" in expected:
            assert flag.message == expected["message"]


def test_fingerprints_are_stable_and_computed_like_the_engine(registry: Registry) -> None:
    ret = Return.model_validate(
        {
            "framework": "s11-wt2023",
            "framework_version": "2023.1",
            "agency": {"id": "police", "name": "Police", "type": "police"},
            "period": {"start": "2024-04-01", "end": "2025-03-31"},
            "responses": [],
        }
    )
    assert fingerprint("r", "police", "s11-wt2023", "S11-1.1", "k") == engine_fingerprint(
        "r", ret, "S11-1.1", "k"
    )
    changed = merged(
        BASE,
        {
            "meeting": {
                "concerns": [
                    {
                        "id": "IC1",
                        "case": "C-1",
                        "agency": "la",
                        "raised_on": "2025-01-20",
                        "raised_with": "Team manager",
                    }
                ]
            }
        },
    )
    audit = AuditRound.model_validate(changed)
    tool = registry.framework("macfa-practice")
    scale = tool_scale(tool, registry)
    first = run_rules(audit, tool, scale, as_of=dt.date(2025, 3, 1))
    later = run_rules(audit, tool, scale, as_of=dt.date(2025, 4, 1))
    assert [f.fingerprint for f in first] == [f.fingerprint for f in later]
    assert first[0].message != later[0].message


def test_an_empty_rule_set_is_an_error(registry: Registry) -> None:
    tool = registry.framework("macfa-practice")
    with pytest.raises(ValueError, match="no audit rules"):
        run_rules(
            AuditRound.model_validate(BASE),
            tool,
            tool_scale(tool, registry),
            as_of=dt.date(2025, 3, 1),
            rules=[],
        )
