"""Bugs found in review, each with the test that failed before it was fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.engine import Engine, band
from safeguard_qa.errors import FrameworkError
from safeguard_qa.loaders import check_return
from safeguard_qa.models.policy import Bands, Policy
from safeguard_qa.models.scale import Scale
from safeguard_qa.plugins import Registry, load_registry
from tests.factories import build, clean_return_data, with_changes

ROOT = Path(__file__).resolve().parent.parent


def test_a_copied_return_is_evaluated_with_its_new_responses(
    registry: Registry, clean_data: Any
) -> None:
    ret = build(clean_data())
    engine = Engine(registry)
    engine.evaluate(ret)  # fills the return's cached lookup of responses
    first = ret.responses[0]
    changed = ret.model_copy(
        update={"responses": (first.model_copy(update={"rating": "red"}), *ret.responses[1:])}
    )
    result = engine.evaluate(changed)
    criterion = next(c for c in result.criteria if c.criterion == first.criterion)
    assert criterion.self_rag == "red"


def test_one_broken_framework_file_does_not_break_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "standards"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: broken-local\nversion: '1'\n", encoding="utf-8")
    registry = load_registry(entry_points=False, standards_dirs=[folder])
    assert ("s11-wt2023", registry.framework("s11-wt2023").version) in registry.frameworks()
    assert str(folder / "broken.yaml") in registry.broken
    with pytest.raises(FrameworkError, match="title"):
        registry.framework("broken-local")


def test_a_negative_percentage_is_one_problem(registry: Registry, clean_data: Any) -> None:
    framework = registry.framework("s11-wt2023")
    percent = next(
        c
        for c in framework.criteria.values()
        if c.answer.type == "numeric" and c.answer.unit == "percent"
    )
    ret = build(with_changes(clean_data(), {"responses": {percent.id: {"value": -5}}}))
    problems = [p for p in check_return(ret, registry, "r.yaml") if percent.id in p.place]
    assert [p.message for p in problems] == ["expected a percentage from 0 to 100, found -5"]


def test_scale_levels_that_differ_only_by_case_are_refused() -> None:
    with pytest.raises(ValidationError, match="matched ignoring case"):
        Scale.model_validate(
            {
                "id": "local",
                "title": "Local",
                "levels": [
                    {"id": "Met", "label": "Met", "value": 1, "rag": "green"},
                    {"id": "met", "label": "met", "value": 0, "rag": "red"},
                ],
            }
        )


def test_an_overall_cap_moves_the_score_with_the_band(registry: Registry, clean_data: Any) -> None:
    policy = Policy.model_validate(
        {"rollup": {"standard": "weighted_mean", "overall": "weighted_mean"}}
    )
    result = Engine(registry, policy).evaluate(
        build(with_changes(clean_data(), {"sign_off": None}))
    )
    assert result.overall.assured_rag is not None
    assert result.overall.assured_rag.rank < result.overall.self_rag.rank  # type: ignore[union-attr]
    assert result.overall.assured_score is not None
    assert band(result.overall.assured_score, policy.mean_bands) == result.overall.assured_rag


def test_band_bounds_finer_than_reported_scores_are_refused() -> None:
    with pytest.raises(ValidationError, match="more than 6 decimal places"):
        Bands(green=0.6666667, amber=0.3)


def _on_version(registry: Registry, agency: str, version: str, weak: bool) -> Any:
    data = clean_return_data(registry, agency_id=agency)
    data["framework_version"] = version
    if weak:
        data = with_changes(
            data,
            {
                "responses": {
                    "S11-1.1": {
                        "rating": "red",
                        "actions": [{"description": "Fix", "owner": "Lead", "due": "2025-09-01"}],
                    }
                }
            },
        )
    return build(data)


def test_criterion_themes_count_only_agencies_on_that_framework_version() -> None:
    registry = load_registry(entry_points=False)
    current = registry.framework("s11-wt2023")
    registry.add_framework(current.model_copy(update={"version": "2099.1"}))
    returns = [
        _on_version(registry, "old-a", current.version, weak=True),
        _on_version(registry, "old-b", current.version, weak=True),
        _on_version(registry, "new-a", "2099.1", weak=True),
        _on_version(registry, "new-b", "2099.1", weak=True),
        _on_version(registry, "new-c", "2099.1", weak=False),
    ]
    report = evaluate_partnership(returns, registry=registry)
    themes = [t for t in report.themes if t.kind == "criterion" and t.key == "S11-1.1"]
    assert sorted(sorted(t.agencies) for t in themes) == [["new-a", "new-b"], ["old-a", "old-b"]]


def test_an_action_keeps_its_fingerprint_when_another_is_inserted_before_it(
    registry: Registry, clean_data: Any
) -> None:
    late = {"description": "Refresh the policy", "owner": "Lead", "due": "2024-06-30"}
    inserted = {"description": "Train the board", "owner": "Lead", "due": "2024-05-31"}
    engine = Engine(registry)

    def overdue(actions: list[dict[str, Any]]) -> dict[str, str]:
        data = with_changes(
            clean_data(), {"responses": {"S11-1.1": {"rating": "amber", "actions": actions}}}
        )
        result = engine.evaluate(build(data))
        return {f.evidence[0]: f.fingerprint for f in result.flags if f.rule == "action-overdue"}

    before = overdue([late])
    after = overdue([inserted, late])
    assert after["Refresh the policy"] == before["Refresh the policy"]
    assert after["Train the board"] != before["Refresh the policy"]
