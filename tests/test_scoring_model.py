"""The scoring model, checked against figures worked out by hand (see the framework files
in tests/data/scoring for where each template pattern comes from)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safeguard_qa.engine import Engine
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.returns import Return
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.validation import check_return

DATA = Path(__file__).parent / "data" / "scoring"
FIGURES = Policy.model_validate(
    {"rollup": {"standard": "weighted_score", "overall": "weighted_score"}, "explain_scores": True}
)


@pytest.fixture(scope="module")
def local() -> Registry:
    registry = load_registry(entry_points=False, standards_dirs=[DATA])
    return registry


def _return(framework: str, responses: list[dict[str, Any]], **fields: Any) -> Return:
    data: dict[str, Any] = {
        "framework": framework,
        "framework_version": "1",
        "agency": {
            "id": "hope-trust",
            "name": "Hope Trust",
            "type": "voluntary",
            "statutory": False,
        },
        "period": {"start": "2024-04-01", "end": "2025-03-31"},
        "submitted": "2025-05-01",
        "sign_off": {"name": "A. Person", "role": "Chief Executive", "date": "2025-04-30"},
        "responses": responses,
    }
    data.update(fields)
    return Return.model_validate(data)


def _figure(criterion: str, value: float) -> dict[str, Any]:
    return {
        "criterion": criterion,
        "value": value,
        "evidence": [{"description": f"Audit of {criterion}", "date": "2025-02-01"}],
    }


PERCENT_RESPONSES = [
    _figure("A.1", 80),
    _figure("A.2", 50),
    {"criterion": "A.3", "rating": "na", "commentary": "We commission no services."},
    _figure("B.1", 60),
    _figure("C.1", 100),
]


def test_a_weighted_percentage_template_scores_as_its_owners_spreadsheet(local: Registry) -> None:
    """Standard A: (2 x 80% + 1 x 50%) / 3 = 70% (A.3 is N/A: left out, weights re-based).
    B: 60%. C: 100%. Overall, standards weighted 1, 3, 1: (70 + 3 x 60 + 100) / 5 = 70%."""
    result = Engine(local, FIGURES).evaluate(_return("weighted-percent", PERCENT_RESPONSES))
    scores = {s.standard: s.self_score for s in result.standards}
    assert scores == {"A": 0.7, "B": 0.6, "C": 1.0}
    assert result.overall.self_score == 0.7
    assert result.overall.self_rag is RAG.GREEN  # 0.7 is at least the green bound 0.6
    standard_a = next(s for s in result.standards if s.standard == "A")
    assert standard_a.basis is not None
    assert [(b.part, b.value, b.weight) for b in standard_a.basis] == [
        ("A.1", 0.8, 2.0),
        ("A.2", 0.5, 1.0),
    ]
    assert result.overall_basis is not None
    assert [(b.part, b.weight) for b in result.overall_basis] == [
        ("A", 1.0),
        ("B", 3.0),
        ("C", 1.0),
    ]


def test_a_whole_standard_marked_not_applicable_is_left_out_and_re_weighted(
    local: Registry,
) -> None:
    """Without C: (70 + 3 x 60) / 4 = 62.5%."""
    ret = _return(
        "weighted-percent",
        [r for r in PERCENT_RESPONSES if r["criterion"] != "C.1"],
        not_applicable=[{"standard": "C", "reason": "We have no volunteers."}],
    )
    assert not [p for p in check_return(ret, local) if p.level == "error"]
    result = Engine(local, FIGURES).evaluate(ret)
    assert [s.standard for s in result.standards] == ["A", "B"]
    assert result.overall.self_score == 0.625
    assert not [f for f in result.flags if f.rule == "response-missing"]


def test_a_mandatory_standard_cannot_be_marked_not_applicable(local: Registry) -> None:
    ret = _return(
        "weighted-percent",
        PERCENT_RESPONSES,
        not_applicable=[{"standard": "B", "reason": "Not us."}, {"standard": "Z"}],
    )
    messages = [str(p) for p in check_return(ret, local, "r.yaml")]
    assert (
        "r.yaml: not_applicable › standard B: this standard is mandatory: it cannot be marked "
        "not applicable"
    ) in messages
    assert any("not_applicable › standard Z: no such standard" in m for m in messages)


def test_figures_outside_their_steps_or_range_are_refused(local: Registry) -> None:
    ret = _return("weighted-percent", [_figure("A.1", 82), _figure("B.1", 120)])
    messages = [p.message for p in check_return(ret, local) if p.level == "error"]
    assert "expected a figure in steps of 5% from 0%; found 82" in messages
    assert "expected a percentage from 0 to 100, found 120" in messages


def test_the_mean_overall_comes_from_the_standards_scores_not_their_colours(
    registry: Registry, clean_data: Any
) -> None:
    """Every standard amber with a score above 1/3 must not give an overall of 1/3."""
    policy = Policy.model_validate(
        {"rollup": {"standard": "weighted_mean", "overall": "weighted_mean"}}
    )
    data = clean_data()
    framework = registry.framework("s11-wt2023")
    for response in data["responses"]:
        criterion = framework.criteria[response["criterion"]]
        if criterion.answer.type == "rating":
            # alternate green and amber: each standard's mean sits between 1/3 and 2/3
            index = list(framework.criteria).index(criterion.id)
            if index % 2:
                response["rating"] = "amber"
                response["actions"] = [
                    {"description": "Improve", "owner": "Lead", "due": "2025-09-30"}
                ]
    result = Engine(registry, policy).evaluate(Return.model_validate(data))
    scored = [s.self_score for s in result.standards if s.self_score is not None]
    assert result.overall.self_score is not None
    assert min(scored) <= result.overall.self_score <= max(scored)


def test_the_templates_own_na_code_is_never_the_worst_level(local: Registry) -> None:
    responses = [
        {"criterion": "S1.1", "rating": "0", "commentary": "No staff of our own."},
        {"criterion": "S1.2", "rating": "3", "evidence": [{"description": "Policy v4, 2025"}]},
        {"criterion": "S1.3", "rating": "met", "evidence": [{"description": "SCR audit"}]},
    ]
    ret = _return("na-code", responses)
    assert not [p for p in check_return(ret, local) if p.level == "error"]
    result = Engine(local).evaluate(ret)
    s11 = next(c for c in result.criteria if c.criterion == "S1.1")
    assert s11.not_applicable
    assert s11.self_rag is None
    assert result.standards[0].self_rag is RAG.GREEN  # not red: 0 is N/A, not a level


def test_a_statutory_agency_may_not_use_the_na_code(local: Registry) -> None:
    ret = _return(
        "na-code",
        [{"criterion": "S1.1", "rating": "0"}],
        agency={"id": "police", "name": "Police", "type": "police", "statutory": True},
    )
    messages = [p.message for p in check_return(ret, local)]
    assert any("N/A is not allowed for statutory agencies" in m for m in messages)


def test_a_low_rating_without_the_required_explanation_and_action(local: Registry) -> None:
    ret = _return("na-code", [{"criterion": "S1.2", "rating": "1"}])
    warnings = [p.message for p in check_return(ret, local) if p.level == "warning"]
    assert "rated at or below 1 - not in place: an explanation (commentary) is required" in warnings
    flags = [f for f in Engine(local).evaluate(ret).flags if f.rule == "requirement-missing"]
    assert [(f.criterion, f.severity.value) for f in flags] == [("S1.2", "high")]


def test_a_criterion_may_use_a_second_scale_defined_in_the_framework(local: Registry) -> None:
    ret = _return("na-code", [{"criterion": "S1.3", "rating": "not_met"}])
    result = Engine(local).evaluate(ret)
    assert next(c for c in result.criteria if c.criterion == "S1.3").self_rag is RAG.RED
    bad = _return("na-code", [{"criterion": "S1.3", "rating": "3"}])
    assert any("not on the met_or_not scale" in p.message for p in check_return(bad, local))
