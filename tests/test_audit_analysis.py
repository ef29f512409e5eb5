"""Audit findings: shares and changes computed by hand, suppression of small counts, agreement
and its direction, and triangulation on the example partnership."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.audit import (
    MAPPINGS_DIR,
    AuditRound,
    Thresholds,
    audit_findings,
    learning_briefing,
    load_mapping,
    load_round,
    load_survey,
    triangulate,
)
from safeguard_qa.audit.analysis import analyse
from safeguard_qa.audit.loaders import tool_scale
from safeguard_qa.engine import Engine
from safeguard_qa.loaders.policy import load_policy
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.models.results import Evaluation
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "audit"
BASE = yaml.safe_load((Path(__file__).parent / "audit_cases" / "_base.yaml").read_text("utf-8"))


def round_with(grades: list[tuple[str, str, str]], *, own: dict[str, str] | None = None) -> Any:
    """A round of len(grades) cases, each (voice, impact, overall) agreed; the local
    authority reviewed each case with its own voice grade ``own[ref]`` (else the agreed)."""
    data = copy.deepcopy(BASE)
    data["round"]["sample_size"] = len(grades)
    refs = [f"C-{i + 1}" for i in range(len(grades))]
    data["cases"] = [
        {"ref": r, "age_band": "5-9", "level_of_need": "child_protection", "agencies": ["la"]}
        for r in refs
    ]
    data["reviews"] = [
        {
            "case": r,
            "agency": "la",
            "reviewer_role": "Advanced practitioner",
            "practitioner_involved": True,
            "grades": {"practice.voice": {"grade": (own or {}).get(r, g[0]), "evidence": "x"}},
        }
        for r, g in zip(refs, grades, strict=True)
    ]
    data["meeting"]["cases"] = [
        {"case": r, "grades": {"practice.voice": v, "practice.impact": i}, "overall": o}
        for r, (v, i, o) in zip(refs, grades, strict=True)
    ]
    data["meeting"]["concerns"] = []
    return AuditRound.model_validate(data)


def findings(
    registry: Registry, audit: AuditRound, previous: AuditRound | None = None, threshold: int = 5
) -> Any:
    tool = registry.framework("macfa-practice")
    return analyse(
        audit, tool, tool_scale(tool, registry), previous=previous, suppress_below=threshold
    )


def test_domain_share_and_change_since_the_previous_round(registry: Registry) -> None:
    g, ri, bad, top = "good", "requires_improvement", "inadequate", "outstanding"
    current = round_with(
        [(g, g, g), (top, g, g), (ri, g, g), (bad, ri, ri), (g, g, g), (ri, ri, ri)]
    )
    previous = round_with([(g, g, g), (ri, g, g), (ri, g, g), (bad, g, g), (ri, g, g)])
    result = findings(registry, current, previous)
    voice = next(d for d in result.domains if d.domain == "practice.voice")
    # 3 of 6 good or better now (good, outstanding, good); 1 of 5 before
    assert (voice.share.good_or_better, voice.share.grades, voice.share.cases) == (3, 6, 6)
    assert voice.share.share == 0.5
    assert voice.share.previous_share == 0.2
    assert voice.share.change == 0.3
    assert voice.title == "Voice and lived experience of the child"
    # the theme is judged on the overall grades: 4 of 6 now, 5 of 5 before
    assert (result.theme.good_or_better, result.theme.share, result.theme.change) == (
        4,
        0.6667,
        -0.3333,
    )
    # a domain the meeting did not grade rests on no children: withheld
    thresholds = next(d for d in result.domains if d.domain == "practice.thresholds")
    assert thresholds.share.suppressed


def test_counts_below_the_threshold_are_suppressed_everywhere(registry: Registry) -> None:
    audit = round_with([("good", "good", "good")] * 4)
    result = findings(registry, audit)
    voice = next(d for d in result.domains if d.domain == "practice.voice")
    assert voice.share.suppressed
    assert (voice.share.good_or_better, voice.share.share, voice.share.cases) == (None, None, None)
    assert result.theme.suppressed
    assert result.cases_audited.suppressed
    assert result.cases_audited.n is None
    assert result.by_level_of_need["child_protection"].suppressed
    assert result.by_level_of_need["early_help"].n == 0  # none is not a small count
    assert result.agreement[0].suppressed
    assert result.agreement[0].rate is None
    assert not findings(registry, audit, threshold=4).theme.suppressed


def test_a_suppressed_previous_round_gives_no_change(registry: Registry) -> None:
    current = round_with([("good", "good", "good")] * 5)
    previous = round_with([("good", "good", "good")] * 3)
    voice = next(
        d for d in findings(registry, current, previous).domains if d.domain == "practice.voice"
    )
    assert voice.share.share == 1.0
    assert voice.share.previous_share is None
    assert voice.share.change is None


def test_agreement_rate_and_agencies_grading_themselves_higher(registry: Registry) -> None:
    ri = "requires_improvement"
    grades = [(ri, "good", ri)] * 5
    higher = round_with(grades, own={"C-1": "good", "C-2": "outstanding"})
    (la, police) = findings(registry, higher).agreement
    # 3 of 5 agreed; differences +1, +2, 0, 0, 0: mean +0.6 steps
    assert (la.compared, la.agreed, la.rate, la.higher, la.lower) == (5, 3, 0.6, 2, 0)
    assert la.mean_difference == 0.6
    assert la.tendency == "higher"
    assert police.suppressed  # reviewed no case here
    lower = round_with(grades, own={"C-1": "inadequate"})
    assert findings(registry, lower).agreement[0].tendency == "lower"
    assert findings(registry, round_with(grades)).agreement[0].tendency == "in_line"


def test_the_previous_round_must_be_on_the_same_theme(registry: Registry) -> None:
    from safeguard_qa.audit import AuditError

    other = BASE | {"round": BASE["round"] | {"theme": "exploitation"}}
    with pytest.raises(AuditError, match="previous round is on 'exploitation'"):
        audit_findings(
            AuditRound.model_validate(BASE),
            registry=registry,
            previous=AuditRound.model_validate(other),
            as_of=dt.date(2025, 3, 1),
        )


def test_findings_are_json_and_deterministic(registry: Registry) -> None:
    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    previous = load_round(EXAMPLE / "2024-neglect.yaml", registry)
    one = audit_findings(audit, registry=registry, previous=previous, as_of=dt.date(2025, 11, 1))
    two = audit_findings(audit, registry=registry, previous=previous, as_of=dt.date(2025, 11, 1))
    assert one.model_dump_json() == two.model_dump_json()
    assert {f.rule for f in one.flags} == {
        "audit-concern-open",
        "audit-domain-inadequate",
        "audit-review-missing",
        "audit-grade-without-evidence",
        "audit-learning-without-recommendation",
        "audit-recommendation-incomplete",
        "audit-recommendation-overdue",
    }
    brief = learning_briefing(one, registry=registry)
    assert brief.to_improve[0].domain == "practice.voice"
    assert brief.to_improve[0].good_looks_like.startswith("The child is seen and heard")
    assert "What did the child's words change in the plan?" in brief.supervision_questions


@pytest.fixture(scope="module")
def example_evaluations(registry: Registry) -> list[Evaluation]:
    partnership = ROOT / "examples" / "partnership"
    engine = Engine(registry, load_policy(partnership / "policy.yaml", registry))
    return [engine.evaluate(load_return(p)) for p in sorted((partnership / "2025").glob("*.yaml"))]


def test_triangulation_flags_fire_on_the_example_partnership(
    registry: Registry, example_evaluations: list[Evaluation]
) -> None:
    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    survey = load_survey(EXAMPLE / "practitioner-survey-2025.yaml")
    mapping = load_mapping(MAPPINGS_DIR / "s11-wt2023.yaml")
    flags = triangulate(example_evaluations, [audit], survey, mapping, registry=registry)
    council = {f.criterion: f for f in flags["northshire-cc"]}
    voice = council["S11-3.1"]
    assert voice.rule == "triangulation-audit"
    assert voice.standard == "S11-3"
    assert voice.message.startswith("Rated green, but 5 of 6 agreed case grades in practice.voice")
    assert "audit 2025-neglect case C-3: practice.voice: inadequate" in voice.evidence
    police = [f for f in flags["northshire-police"] if f.rule == "triangulation-survey"]
    assert {f.criterion for f in police} >= {"S11-6.1"}
    sharing = next(f for f in police if f.criterion == "S11-6.1")
    assert sharing.evidence == (
        "survey 2025-practitioner-survey question information_sharing: 11 of 31 practitioners "
        "agree (35%)",
    )
    # amber self-ratings are never contradicted, and too few respondents never count
    assert "S11-3.1" not in {f.criterion for f in flags.get("northshire-police", [])}
    assert "northshire-homes" not in {
        a for a, fs in flags.items() if any(f.rule == "triangulation-survey" for f in fs)
    }


def test_triangulation_thresholds_decide(
    registry: Registry, example_evaluations: list[Evaluation]
) -> None:
    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    mapping = load_mapping(MAPPINGS_DIR / "s11-wt2023.yaml")
    strict = Thresholds(min_cases=7, min_respondents=1000)
    survey = load_survey(EXAMPLE / "practitioner-survey-2025.yaml")
    assert triangulate(example_evaluations, audit, survey, mapping, strict, registry=registry) == {}
