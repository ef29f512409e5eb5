"""The pack says which policy is in force: every setting that differs from the built-in
policy, and only those."""

from __future__ import annotations

from pathlib import Path

from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.loaders import load_policy, load_return
from safeguard_qa.models.policy import Policy
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import render_partnership

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "partnership"


def test_only_the_settings_that_differ_are_listed(registry: Registry) -> None:
    returns = [load_return(p) for p in sorted((EXAMPLE / "2025").glob("*.yaml"))][:3]
    policy = Policy.model_validate(
        {
            "as_of": "2025-11-28",
            "rules": {
                "evidence-stale": {"params": {"max_age_days": 548}},
                "rating-moved": {"params": {"levels": 2}},  # the rule's own default
            },
        }
    )
    report = evaluate_partnership(returns, registry=registry, policy=policy)
    names = {s.name: s.value for s in report.policy_settings}
    assert names == {"as_of": '"2025-11-28"', "rules.evidence-stale.params.max_age_days": "548"}
    html = render_partnership(report, RenderOptions())
    assert "evidence-stale: max age days" in html


def test_the_example_policy_is_described(registry: Registry) -> None:
    policy = load_policy(EXAMPLE / "policy.yaml", registry)
    returns = [load_return(p) for p in sorted((EXAMPLE / "2025").glob("*.yaml"))][:2]
    report = evaluate_partnership(returns, registry=registry, policy=policy)
    assert any(s.name == "as_of" for s in report.policy_settings)
