"""Triangulation flags join the agency's challenge agenda in the partnership pack, with the
case and survey evidence, and cap the assured rating like any other flag."""

from __future__ import annotations

from pathlib import Path

from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.audit import MAPPINGS_DIR, load_mapping, load_round, load_survey, triangulate
from safeguard_qa.engine import Engine
from safeguard_qa.loaders import load_policy, load_return
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parent.parent
PARTNERSHIP = ROOT / "examples" / "partnership"
AUDIT = ROOT / "examples" / "audit"


def test_triangulation_flags_reach_the_agenda_and_cap_the_claim(registry: Registry) -> None:
    policy = load_policy(PARTNERSHIP / "policy.yaml", registry)
    returns = [load_return(p) for p in sorted((PARTNERSHIP / "2025").glob("*.yaml"))]
    engine = Engine(registry, policy)
    first_pass = engine.evaluate_many(returns)
    flags = triangulate(
        first_pass,
        load_round(AUDIT / "2025-neglect.yaml", registry),
        load_survey(AUDIT / "practitioner-survey-2025.yaml"),
        load_mapping(MAPPINGS_DIR / "s11-wt2023.yaml"),
        registry=registry,
    )
    assert "northshire-cc" in flags, "the example is arranged so that triangulation finds this"
    report = evaluate_partnership(returns, registry=registry, policy=policy, extra_flags=flags)
    council = next(a for a in report.agencies if a.agency == "northshire-cc")
    voice = next(i for i in council.agenda if i.rule == "triangulation-audit")
    assert voice.criterion == "S11-3.1"
    assert any("case C-3" in e for e in voice.evidence)

    second_pass = engine.evaluate_many(returns, extra_flags=flags)
    before = next(e for e in first_pass if e.agency.id == "northshire-cc")
    after = next(e for e in second_pass if e.agency.id == "northshire-cc")

    def assured(ev: object, criterion: str) -> object:
        return next(c for c in ev.criteria if c.criterion == criterion).assured_rag  # type: ignore[attr-defined]

    assert assured(before, "S11-3.1") == "green"
    assert assured(after, "S11-3.1") == "amber"
