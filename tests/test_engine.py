"""The engine: self, assured and moderated ratings, roll-ups, fingerprints and the agenda."""

from __future__ import annotations

from typing import Any

import pytest

from safeguard_qa import hookimpl
from safeguard_qa.engine import Engine, band
from safeguard_qa.engine.rollup import POINTS
from safeguard_qa.errors import (
    ConfigurationError,
    OutcomesError,
    PolicyError,
    ReturnError,
    RuleError,
)
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.policy import Bands, Policy, Rollup, Severity
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules.base import Finding, ReturnContext, Rule
from tests.factories import build, with_changes


def _eval(registry: Registry, data: dict[str, Any], policy: Policy | None = None, **kw: Any) -> Any:
    return Engine(registry, policy).evaluate(build(data), **kw)


def test_clean_return_is_green_everywhere(registry: Registry, clean_data: Any) -> None:
    ev = _eval(registry, clean_data())
    assert ev.flags == ()
    assert ev.overall.self_rag is RAG.GREEN
    assert ev.overall.assured_rag is RAG.GREEN
    assert all(s.self_rag is RAG.GREEN for s in ev.standards)
    assert {"overall", "standards", "criteria", "flags"} <= set(ev.model_dump(mode="json"))


def test_green_without_evidence_is_assured_amber_and_explained(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": {"evidence": []}}})
    ev = _eval(registry, data)
    crit = next(c for c in ev.criteria if c.criterion == "S11-1.1")
    assert (crit.self_rag, crit.assured_rag) == (RAG.GREEN, RAG.AMBER)
    # the difference is explained by the flag that caused it
    (fingerprint,) = crit.flags
    assert ev.flag(fingerprint).caps is RAG.AMBER
    standard = next(s for s in ev.standards if s.standard == "S11-1")
    assert (standard.self_rag, standard.assured_rag) == (RAG.GREEN, RAG.AMBER)
    # default overall roll-up: weighted mean unless a standard is red
    assert ev.overall.self_rag is RAG.GREEN


def test_reversed_scale_one_is_best(registry: Registry, clean_data: Any) -> None:
    data = with_changes(clean_data("s175-kcsie"), {"responses": {"S175-1.1": {"rating": "1"}}})
    ev = _eval(registry, data)
    crit = next(c for c in ev.criteria if c.criterion == "S175-1.1")
    assert crit.self_rag is RAG.BLUE
    data = with_changes(data, {"responses": {"S175-1.1": {"rating": "4"}}})
    crit = next(c for c in _eval(registry, data).criteria if c.criterion == "S175-1.1")
    assert crit.self_rag is RAG.RED


def test_numeric_indicator_self_rating_comes_from_its_figure(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-4.4": {"value": 80}}})
    crit = next(c for c in _eval(registry, data).criteria if c.criterion == "S11-4.4")
    assert (crit.self_rag, crit.assured_rag, crit.value) == (RAG.AMBER, RAG.AMBER, 80)


def test_missing_response_is_assured_red_and_pulls_overall_red(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": None}})
    ev = _eval(registry, data)
    crit = next(c for c in ev.criteria if c.criterion == "S11-1.1")
    assert (crit.self_rag, crit.assured_rag, crit.answered) == (None, RAG.RED, False)
    assert ev.overall.self_rag is RAG.GREEN
    assert ev.overall.assured_rag is RAG.RED


def test_missing_sign_off_caps_overall_assured(registry: Registry, clean_data: Any) -> None:
    ev = _eval(registry, with_changes(clean_data(), {"sign_off": None}))
    assert (ev.overall.self_rag, ev.overall.assured_rag) == (RAG.GREEN, RAG.AMBER)
    assert ev.sign_off_role is None


def test_not_applicable_is_left_out_of_roll_up(registry: Registry, clean_data: Any) -> None:
    data = clean_data(agency_type="voluntary", statutory=False)
    data = with_changes(data, {"responses": {"S11-2.4": {"rating": "na", "evidence": []}}})
    ev = _eval(registry, data)
    crit = next(c for c in ev.criteria if c.criterion == "S11-2.4")
    assert crit.not_applicable
    assert crit.self_rag is None
    assert ev.flags == ()


def test_statutory_agency_may_not_answer_na(registry: Registry, clean_data: Any) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-2.4": {"rating": "na"}}})
    with pytest.raises(ReturnError) as info:
        _eval(registry, data)
    assert "N/A is not allowed for statutory agencies" in str(info.value)


@pytest.mark.parametrize(
    ("rollup", "expected"),
    [
        ("worst_of", RAG.RED),
        ("any_red_is_red", RAG.RED),
        ("weighted_mean", RAG.AMBER),  # (5 x 2/3 + 0) / 6 = 0.556, under the 0.6 green band
        ("percentage_met", RAG.AMBER),  # 5/6 of the weight met, under the 0.9 green band
    ],
)
def test_standard_roll_up_strategies(
    registry: Registry, clean_data: Any, rollup: str, expected: RAG
) -> None:
    # one red among five criteria of S11-1 (weights 2,1,1,1,1), with an action
    change = {
        "S11-1.2": {
            "rating": "red",
            "actions": [{"description": "Fix", "owner": "Lead", "due": "2025-09-01"}],
        }
    }
    data = with_changes(clean_data(), {"responses": change})
    ev = _eval(registry, data, Policy(rollup=Rollup(standard=rollup, overall="worst_of")))
    standard = next(s for s in ev.standards if s.standard == "S11-1")
    assert standard.self_rag is expected


def test_band_edges() -> None:
    bands = Bands(blue=0.95, green=0.6, amber=0.3)
    assert band(0.0, bands) is RAG.RED
    assert band(0.3, bands) is RAG.AMBER
    assert band(0.6, bands) is RAG.GREEN
    assert band(0.95, bands) is RAG.BLUE
    assert band(1.0, Bands(green=0.9, amber=0.6)) is RAG.GREEN
    assert POINTS[RAG.RED] < POINTS[RAG.AMBER] < POINTS[RAG.GREEN] < POINTS[RAG.BLUE]


def test_bands_must_rise() -> None:
    with pytest.raises(ValueError, match="bands must rise"):
        Bands(green=0.3, amber=0.6)


def test_fingerprints_are_stable_and_distinct(registry: Registry, clean_data: Any) -> None:
    change = {
        "responses": {
            "S11-1.1": {"evidence": []},
            "S11-1.2": {"evidence": []},
        }
    }
    first = _eval(registry, with_changes(clean_data(), change))
    second = _eval(registry, with_changes(clean_data(), change))
    assert [f.fingerprint for f in first.flags] == [f.fingerprint for f in second.flags]
    assert len({f.fingerprint for f in first.flags}) == len(first.flags) == 2
    other_agency = _eval(registry, with_changes(clean_data(agency_id="other"), change))
    assert {f.fingerprint for f in other_agency.flags}.isdisjoint(
        {f.fingerprint for f in first.flags}
    )


def test_agenda_ranks_by_severity_then_weight_and_is_capped(
    registry: Registry, clean_data: Any
) -> None:
    changes: dict[str, Any] = {"S11-1.2": {"evidence": []}, "S11-1.1": {"evidence": []}}
    changes["S11-2.1"] = {
        "rating": "amber",
        "actions": [{"description": "Fix", "due": "2025-09-01"}],
    }  # low: no owner
    data = with_changes(clean_data(), {"responses": changes})
    ev = _eval(registry, data, Policy(agenda_size=2))
    agenda = ev.agenda_flags()
    assert len(agenda) == 2
    assert [f.criterion for f in agenda] == ["S11-1.1", "S11-1.2"]  # S11-1.1 weighs 2
    assert len(ev.flags) == 3


def test_question_uses_the_frameworks_challenge_question(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": {"evidence": []}}})
    (flag,) = _eval(registry, data).flags
    assert "What evidence shows this is met" in flag.question
    assert "who would be accountable" in flag.question


def test_moderated_rating_from_the_return_and_from_outcomes(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": {"moderated": "amber"}}})
    ev = _eval(registry, data)
    crit = next(c for c in ev.criteria if c.criterion == "S11-1.1")
    assert (crit.moderated_level, crit.moderated_rag) == ("amber", RAG.AMBER)
    standard = next(s for s in ev.standards if s.standard == "S11-1")
    assert standard.moderated_rag is RAG.AMBER
    other = next(s for s in ev.standards if s.standard == "S11-2")
    assert other.moderated_rag is None
    outcomes = Outcomes.model_validate(
        {
            "outcomes": [
                {
                    "agency": "agency-a",
                    "criterion": "S11-1.1",
                    "moderated": "red",
                    "decision": "rating_revised",
                    "reason": "No evidence of practice",
                    "decided_by": "Independent Chair",
                    "decided_on": "2025-06-20",
                }
            ]
        }
    )
    ev = _eval(registry, data, outcomes=outcomes)
    crit = next(c for c in ev.criteria if c.criterion == "S11-1.1")
    assert crit.moderated_rag is RAG.RED
    assert len(ev.outcomes) == 1


def test_dismissed_flag_stays_listed_but_leaves_agenda_and_caps(
    registry: Registry, clean_data: Any
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": {"evidence": []}}})
    (flag,) = _eval(registry, data).flags
    outcomes = Outcomes.model_validate(
        {
            "outcomes": [
                {
                    "agency": "agency-a",
                    "flag": flag.fingerprint,
                    "decision": "dismissed",
                    "reason": "Evidence seen at the event",
                    "decided_by": "Independent Chair",
                    "decided_on": "2025-06-20",
                }
            ]
        }
    )
    ev = _eval(registry, data, outcomes=outcomes)
    (after,) = ev.flags
    assert (after.fingerprint, after.status) == (flag.fingerprint, "dismissed")
    assert after.reason == "Evidence seen at the event"
    assert ev.agenda == ()
    crit = next(c for c in ev.criteria if c.criterion == "S11-1.1")
    assert crit.assured_rag is RAG.GREEN


def test_outcomes_from_an_earlier_cycle_do_not_apply(registry: Registry, clean_data: Any) -> None:
    outcomes = Outcomes.model_validate(
        {
            "outcomes": [
                {
                    "agency": "agency-a",
                    "criterion": "S11-1.1",
                    "moderated": "red",
                    "decision": "rating_revised",
                    "reason": "Last year",
                    "decided_by": "Chair",
                    "decided_on": "2023-06-20",
                }
            ]
        }
    )
    ev = _eval(registry, clean_data(), outcomes=outcomes)
    assert all(c.moderated_rag is None for c in ev.criteria)


def test_policy_naming_unknown_rule_or_rollup_is_an_error(registry: Registry) -> None:
    policy = Policy.model_validate(
        {"rollup": {"standard": "median"}, "rules": {"evidence-misssing": {"enabled": False}}}
    )
    with pytest.raises(PolicyError) as info:
        Engine(registry, policy, policy_file="policy.yaml")
    text = str(info.value)
    assert "policy.yaml: rollup › standard: unknown roll-up 'median'" in text
    assert "policy.yaml: rules › evidence-misssing: unknown rule" in text


def test_bad_rule_params_name_the_place(registry: Registry) -> None:
    policy = Policy.model_validate({"rules": {"evidence-stale": {"params": {"max_age_day": 3}}}})
    with pytest.raises(PolicyError) as info:
        Engine(registry, policy, policy_file="p.yaml")
    assert "p.yaml: rules › evidence-stale › params › max_age_day: unknown field" in str(info.value)


def test_an_empty_rule_set_is_an_error_not_a_green_run(registry: Registry) -> None:
    policy = Policy(rules={rule_id: {"enabled": False} for rule_id in registry.rules})  # type: ignore[misc]
    with pytest.raises(PolicyError, match="no rule is enabled"):
        Engine(registry, policy, policy_file="policy.yaml")
    with pytest.raises(ConfigurationError, match="no rule is enabled"):
        Engine(registry, policy)  # built in code: the program's setting, not an input file


class _Boom(Rule):
    id = "boom"
    title = "Raises"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx: ReturnContext, params: Any) -> list[Finding]:
        raise ZeroDivisionError("division by zero")


class _BoomPlugin:
    @staticmethod
    @hookimpl
    def register_rules(register: Any) -> None:
        register(_Boom())


def test_a_rule_that_raises_is_named_with_its_plugin(clean_data: Any) -> None:
    registry = load_registry(entry_points=False, extra=[("boom-plugin", _BoomPlugin)])
    with pytest.raises(RuleError, match=r"rule boom \(plugin boom-plugin\) failed on return"):
        Engine(registry).evaluate(build(clean_data()))


def _next_year(data: dict[str, Any]) -> dict[str, Any]:
    return with_changes(
        data,
        {
            "period": {"start": "2025-04-01", "end": "2026-03-31"},
            "deadline": "2026-05-31",
            "submitted": "2026-05-15",
            "sign_off": {"name": "A. Person", "role": "Chief Executive", "date": "2026-05-10"},
        },
    )


@pytest.mark.parametrize(("expires", "carried"), [("2026-08-31", True), ("2026-01-31", False)])
def test_a_dismissal_with_an_expiry_carries_to_next_year_until_it_expires(
    registry: Registry, clean_data: Any, expires: str, carried: bool
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.1": {"evidence": []}}})
    (flag,) = _eval(registry, data).flags
    outcomes = Outcomes.model_validate(
        {
            "outcomes": [
                {
                    "agency": "agency-a",
                    "flag": flag.fingerprint,
                    "decision": "dismissed",
                    "reason": "Agreed exception",
                    "decided_by": "Independent Chair",
                    "decided_on": "2025-06-20",
                    "expires": expires,
                }
            ]
        }
    )
    (later,) = _eval(registry, _next_year(data), outcomes=outcomes).flags
    assert later.fingerprint == flag.fingerprint  # the same finding a year on
    assert later.status == ("dismissed" if carried else "open")


def test_a_moderated_rating_off_the_scale_is_an_outcomes_error(
    registry: Registry, clean_data: Any
) -> None:
    outcomes = Outcomes.model_validate(
        {
            "outcomes": [
                {
                    "agency": "agency-a",
                    "criterion": "S11-1.1",
                    "moderated": "ambr",
                    "decision": "rating_revised",
                    "reason": "typo",
                    "decided_by": "Chair",
                    "decided_on": "2025-06-20",
                }
            ]
        }
    )
    with pytest.raises(OutcomesError, match=r"criterion S11-1.1 › moderated: 'ambr' is not on"):
        _eval(registry, clean_data(), outcomes=outcomes)


def test_an_expiry_before_the_decision_is_refused() -> None:
    with pytest.raises(ValueError, match="expires"):
        Outcomes.model_validate(
            {
                "outcomes": [
                    {
                        "agency": "a",
                        "flag": "abc",
                        "decision": "dismissed",
                        "reason": "r",
                        "decided_by": "Chair",
                        "decided_on": "2025-06-20",
                        "expires": "2025-01-01",
                    }
                ]
            }
        )
