"""The shipped example data: every file loads and validates, and the example partnership
exercises every built-in challenge rule.

examples/returns/      single returns, one per kind of agency (Eastmarch, fictional)
examples/partnership/  the Northshire Safeguarding Children Partnership over two cycles
examples/policy.yaml   a commented policy
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from safeguard_qa.api import evaluate_returns
from safeguard_qa.loaders.files import load_document
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import validated_return
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.partnership import ExpectedAgencies
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RETURNS = EXAMPLES / "returns"
PARTNERSHIP = EXAMPLES / "partnership"
CYCLES = ("2024", "2025")
SUFFIXES = (".yaml", ".yml", ".json")

# The only warnings the example data should raise, each planted for a rule to find.
EXPECTED_WARNINGS = {
    (
        "northshire-yjs.yaml",
        "standard S11-4 › criterion S11-4.4",
        "no response to a mandatory criterion",
    ),
    (
        "northshire-homes.yaml",
        "standard S11-10 › criterion S11-10.5",
        "answered N/A without a reason; the framework asks for one (in the commentary)",
    ),
    (
        "kingsmead-academy.yaml",
        "standard S175-8 › criterion S175-8.6",
        "rated at or below 3 - partly in place: an action with a description, owner and due "
        "date is required",
    ),
}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES)


def _all_return_files() -> list[Path]:
    return _files(RETURNS) + [p for cycle in CYCLES for p in _files(PARTNERSHIP / cycle)]


def _load_cycle(cycle: str, registry: Registry) -> dict[str, Return]:
    returns: dict[str, Return] = {}
    for path in _files(PARTNERSHIP / cycle):
        ret, _, _ = validated_return(path, registry)
        returns[ret.agency.id] = ret
    return returns


@pytest.fixture(scope="module")
def partnership_policy(registry: Registry) -> Policy:
    return load_policy(PARTNERSHIP / "policy.yaml", registry)


@pytest.fixture(scope="module")
def outcomes() -> Outcomes:
    return load_outcomes(PARTNERSHIP / "outcomes.yaml")


@pytest.fixture(scope="module")
def expected() -> ExpectedAgencies:
    return ExpectedAgencies.model_validate(load_document(PARTNERSHIP / "expected-agencies.yaml"))


@pytest.fixture(scope="module")
def cycle_2024(registry: Registry) -> dict[str, Return]:
    return _load_cycle("2024", registry)


@pytest.fixture(scope="module")
def cycle_2025(registry: Registry) -> dict[str, Return]:
    return _load_cycle("2025", registry)


@pytest.fixture(scope="module")
def evaluations(
    registry: Registry,
    partnership_policy: Policy,
    cycle_2024: dict[str, Return],
    cycle_2025: dict[str, Return],
) -> list[Evaluation]:
    """The 2025 cycle with 2024 as the previous cycle, under the partnership's policy."""
    return evaluate_returns(
        list(cycle_2025.values()),
        registry=registry,
        policy=partnership_policy,
        previous=cycle_2024,
    )


@pytest.fixture(scope="module")
def decided(
    registry: Registry,
    partnership_policy: Policy,
    outcomes: Outcomes,
    cycle_2024: dict[str, Return],
    cycle_2025: dict[str, Return],
) -> list[Evaluation]:
    """The same, after the challenge event's outcomes."""
    return evaluate_returns(
        list(cycle_2025.values()),
        registry=registry,
        policy=partnership_policy,
        previous=cycle_2024,
        outcomes=outcomes,
    )


# --- every file loads -----------------------------------------------------------------


@pytest.mark.parametrize("path", _all_return_files(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_return_validates(path: Path, registry: Registry) -> None:
    _, _, warnings = validated_return(path, registry)
    for warning in warnings:
        assert (path.name, warning.place, warning.message) in EXPECTED_WARNINGS, str(warning)


def test_the_expected_warnings_are_still_raised(registry: Registry) -> None:
    found = set()
    for name, _, _ in EXPECTED_WARNINGS:
        _, _, warnings = validated_return(PARTNERSHIP / "2025" / name, registry)
        found |= {(name, w.place, w.message) for w in warnings}
    assert found == EXPECTED_WARNINGS


@pytest.mark.parametrize("path", [EXAMPLES / "policy.yaml", PARTNERSHIP / "policy.yaml"])
def test_policies_load(path: Path, registry: Registry) -> None:
    policy = load_policy(path, registry)
    assert all(policy.runs(rule_id) for rule_id in registry.rules)


def test_partnership_policy_fixes_the_as_of_date(partnership_policy: Policy) -> None:
    assert partnership_policy.as_of is not None
    assert partnership_policy.as_of.isoformat() == "2025-11-28"


def test_outcomes_load(outcomes: Outcomes) -> None:
    decisions = Counter(o.decision for o in outcomes.outcomes)
    assert set(decisions) == {"accepted", "rating_revised", "action_agreed", "dismissed"}
    assert all(o.reason.strip() and o.decided_by.strip() for o in outcomes.outcomes)


def test_expected_agencies(expected: ExpectedAgencies, cycle_2025: dict[str, Return]) -> None:
    by_id = {agency.id: agency for agency in expected.agencies}
    assert len(by_id) == len(expected.agencies) >= 8
    assert set(cycle_2025) < set(by_id)
    assert set(by_id) - set(cycle_2025) == {"eastmoor-dc"}
    for agency_id, ret in cycle_2025.items():
        agency = by_id[agency_id]
        assert (agency.name, agency.type, agency.framework, agency.statutory) == (
            ret.agency.name,
            ret.agency.type,
            ret.framework,
            ret.agency.statutory,
        )


# --- the shape of the example partnership ---------------------------------------------


@pytest.mark.parametrize("cycle", CYCLES)
def test_one_return_per_agency_named_by_its_id(cycle: str, registry: Registry) -> None:
    files = _files(PARTNERSHIP / cycle)
    returns = [validated_return(path, registry)[0] for path in files]
    assert [p.stem for p in files] == [r.agency.id for r in returns]
    assert len({r.period for r in returns}) == 1
    assert len({r.deadline for r in returns}) == 1


def test_partnership_mixes_agency_types_and_frameworks(cycle_2025: dict[str, Return]) -> None:
    types = {ret.agency.type for ret in cycle_2025.values()}
    assert {"police", "health", "local_authority", "probation", "housing", "voluntary"} <= types
    assert {"youth_justice", "cafcass", "school_maintained", "academy", "fe_college"} <= types
    frameworks = Counter(ret.framework for ret in cycle_2025.values())
    assert frameworks["s11-wt2023"] >= 8
    assert frameworks["s175-kcsie"] >= 3
    assert any(not ret.agency.statutory for ret in cycle_2025.values())


@pytest.mark.parametrize(
    ("cycle", "releases"),
    [
        ("2024", {"s11-wt2023": "2023.1", "s175-kcsie": "2025.1"}),
        ("2025", {"s11-wt2023": "2025.1", "s175-kcsie": "2025.2"}),
    ],
)
def test_each_cycle_uses_the_release_current_when_it_was_issued(
    cycle: str, releases: dict[str, str], registry: Registry
) -> None:
    for path in _files(PARTNERSHIP / cycle):
        ret, _, _ = validated_return(path, registry)
        assert ret.framework_version == releases[ret.framework], path.name


def test_every_agency_returned_in_both_cycles_except_one(
    cycle_2024: dict[str, Return], cycle_2025: dict[str, Return]
) -> None:
    assert set(cycle_2025) < set(cycle_2024)
    assert set(cycle_2024) - set(cycle_2025) == {"eastmoor-dc"}


@pytest.mark.parametrize(
    ("agency", "criterion", "text"),
    [
        ("northshire-homes", "S11-3.1", "<script>alert(1)</script>"),
        ("harbour-lights", "S11-8.5", '=HYPERLINK("http://example.invalid")'),
    ],
)
def test_hostile_text_sits_on_a_flagged_criterion(
    agency: str,
    criterion: str,
    text: str,
    cycle_2025: dict[str, Return],
    evaluations: list[Evaluation],
) -> None:
    """Reports show the agency's evidence for flagged items, so these strings reach the HTML
    pack and the CSV export, which must escape or neutralise them."""
    response = cycle_2025[agency].by_criterion[criterion]
    assert any(text in item.description for item in response.evidence)
    (ev,) = [ev for ev in evaluations if ev.agency.id == agency]
    assert any(flag.criterion == criterion for flag in ev.flags)


def test_formula_text_starts_a_flag_evidence_cell(evaluations: list[Evaluation]) -> None:
    evidence = [item for ev in evaluations for flag in ev.flags for item in flag.evidence]
    assert any(item.startswith("=HYPERLINK(") for item in evidence)


def test_person_names_appear_only_in_the_sign_off() -> None:
    for path in _all_return_files():
        data = load_document(path)
        if data.get("sign_off"):
            name = data["sign_off"]["name"]
            assert path.read_text(encoding="utf-8").count(name) == 1, path


# --- the example partnership triggers every rule ---------------------------------------


def test_every_rule_is_triggered(registry: Registry, evaluations: list[Evaluation]) -> None:
    fired = {flag.rule for ev in evaluations for flag in ev.flags}
    assert set(registry.rules) - fired == set()


@pytest.mark.parametrize(
    ("agency", "rule", "criterion"),
    [
        ("northshire-icb", "evidence-missing", "S11-12.4"),
        ("harbour-lights", "evidence-missing", "S11-1.2"),
        ("northshire-homes", "evidence-stale", "S11-8.1"),
        ("northshire-hospitals", "evidence-stale", "S11-8.4"),
        ("harbour-lights", "evidence-stale", "S11-8.5"),
        ("kingsmead-academy", "evidence-stale", "S175-12.1"),
        ("northshire-police", "action-overdue", "S11-5.3"),
        ("northshire-cc", "action-overdue", "S11-12.3"),
        ("ashgrove-primary", "action-overdue", "S175-6.1"),
        ("northshire-hospitals", "action-incomplete", "S11-3.4"),
        ("northshire-yjs", "action-incomplete", "S11-13.2"),
        ("oakfield-school", "action-incomplete", "S175-11.3"),
        ("northshire-icb", "gap-without-action", "S11-3.2"),
        ("northshire-homes", "gap-without-action", "S11-1.5"),
        ("kingsmead-academy", "gap-without-action", "S175-8.6"),
        ("northshire-police", "green-with-open-actions", "S11-6.3"),
        ("northshire-yjs", "response-missing", "S11-4.4"),
        ("northshire-yjs", "na-statutory", "S11-12.2"),
        ("northshire-homes", "na-without-reason", "S11-10.5"),
        ("kingsmead-academy", "requirement-missing", "S175-8.6"),
        ("northshire-yjs", "signoff-missing", None),
        ("northshire-homes", "signoff-role", None),
        ("northshire-probation", "submission-late", None),
        ("northshire-cc", "rating-moved", "S11-9.1"),
        ("northshire-icb", "rating-moved", "S11-12.3"),
        ("northshire-homes", "rating-moved", "S11-3.1"),
        ("ashgrove-primary", "rating-moved", "S175-10.4"),
        ("northshire-probation", "carried-forward", "S11-1.3"),
        ("northshire-hospitals", "peer-outlier", "S11-15.1"),
        ("northshire-police", "indicator-threshold", "S11-10.2"),
        ("ashgrove-primary", "indicator-threshold", "S175-5.3"),
        ("northshire-college", "indicator-threshold", "S175-5.3"),
    ],
)
def test_planted_finding(
    agency: str, rule: str, criterion: str | None, evaluations: list[Evaluation]
) -> None:
    found = [
        (flag.rule, flag.criterion)
        for ev in evaluations
        if ev.agency.id == agency
        for flag in ev.flags
    ]
    assert (rule, criterion) in found


def test_commissioning_is_not_asked_of_agencies_that_commission_nothing(
    cycle_2024: dict[str, Return], cycle_2025: dict[str, Return]
) -> None:
    """Last year the charity, the housing association and Cafcass answered N/A on the
    commissioning standard; the 2025 release asks it only of commissioning bodies."""
    for agency in ("harbour-lights", "northshire-homes", "cafcass-northshire"):
        assert cycle_2024[agency].by_criterion["S11-12.1"].rating == "na"
        assert "S11-12.1" not in cycle_2025[agency].by_criterion


def test_a_single_central_record_gap_is_red_not_amber(evaluations: list[Evaluation]) -> None:
    for agency in ("ashgrove-primary", "northshire-college"):
        (ev,) = [ev for ev in evaluations if ev.agency.id == agency]
        (scr,) = [c for c in ev.criteria if c.criterion == "S175-5.3"]
        assert scr.self_rag == "red", agency


def test_non_statutory_agency_may_answer_na_unflagged(
    evaluations: list[Evaluation],
) -> None:
    (voluntary,) = [ev for ev in evaluations if ev.agency.id == "harbour-lights"]
    na = {c.criterion for c in voluntary.criteria if c.not_applicable}
    flagged = {f.criterion for f in voluntary.flags if f.rule == "na-statutory"}
    assert {"S11-4.4", "S11-7.3", "S11-9.3"} <= na
    assert flagged == set()


def test_fingerprints_are_stable(
    registry: Registry,
    partnership_policy: Policy,
    cycle_2024: dict[str, Return],
    cycle_2025: dict[str, Return],
    evaluations: list[Evaluation],
) -> None:
    again = evaluate_returns(
        list(reversed(cycle_2025.values())),
        registry=registry,
        policy=partnership_policy,
        previous=cycle_2024,
    )
    assert {f.fingerprint for ev in again for f in ev.flags} == {
        f.fingerprint for ev in evaluations for f in ev.flags
    }


# --- outcomes and agendas ---------------------------------------------------------------


def test_outcome_fingerprints_exist(outcomes: Outcomes, evaluations: list[Evaluation]) -> None:
    flags = {flag.fingerprint: flag for ev in evaluations for flag in ev.flags}
    for outcome in outcomes.outcomes:
        if outcome.flag is None:
            continue
        assert outcome.flag in flags, outcome
        flag = flags[outcome.flag]
        assert flag.agency == outcome.agency
        assert outcome.criterion in (None, flag.criterion)


def test_outcome_criteria_and_moderated_levels_fit(
    registry: Registry, outcomes: Outcomes, cycle_2025: dict[str, Return]
) -> None:
    for outcome in outcomes.outcomes:
        ret = cycle_2025[outcome.agency]
        assert outcome.decided_on > ret.period.end
        if outcome.criterion is None:
            continue
        framework = registry.framework(ret.framework, ret.framework_version)
        criterion = framework.criteria[outcome.criterion]
        if outcome.moderated is not None:
            scale = registry.scale_for(framework, criterion)
            assert scale is not None
            assert scale.level(outcome.moderated) is not None


def test_outcomes_apply(outcomes: Outcomes, decided: list[Evaluation]) -> None:
    statuses = {f.fingerprint: f.status for ev in decided for f in ev.flags}
    for outcome in outcomes.outcomes:
        if outcome.flag is not None:
            assert statuses[outcome.flag] == outcome.decision
    (homes,) = [ev for ev in decided if ev.agency.id == "northshire-homes"]
    (voice,) = [c for c in homes.criteria if c.criterion == "S11-3.1"]
    assert (voice.self_rag, voice.moderated_rag) == ("blue", "amber")


def test_every_agency_has_an_agenda(decided: list[Evaluation], partnership_policy: Policy) -> None:
    for ev in decided:
        assert 0 < len(ev.agenda) <= partnership_policy.agenda_size, ev.agency.id
        dismissed = {f.fingerprint for f in ev.flags if f.status == "dismissed"}
        assert not dismissed & set(ev.agenda)


# --- the single returns ------------------------------------------------------------------


def test_single_returns_cover_the_kinds_of_agency(registry: Registry) -> None:
    returns = {p.name: validated_return(p, registry)[0] for p in _files(RETURNS)}
    kinds = {(r.agency.type, r.framework) for r in returns.values()}
    assert {
        ("police", "s11-wt2023"),
        ("health", "s11-wt2023"),
        ("voluntary", "s11-wt2023"),
        ("local_authority", "s11-key-features"),
        ("school_maintained", "s175-kcsie"),
        ("academy", "s175-kcsie"),
    } <= kinds
    health = next(r for r in returns.values() if r.agency.type == "health")
    assert "S11-7.2" in health.by_criterion
    voluntary = next(r for r in returns.values() if r.agency.type == "voluntary")
    assert not voluntary.agency.statutory
    assert any(resp.rating == "na" for resp in voluntary.responses)
    assert json.loads((RETURNS / "academy.json").read_text(encoding="utf-8"))["agency"]["type"] == (
        "academy"
    )


def test_single_police_return_against_its_previous_year(registry: Registry) -> None:
    ret, _, _ = validated_return(RETURNS / "police.yaml", registry)
    previous, _, _ = validated_return(RETURNS / "previous" / "police-2024.yaml", registry)
    assert previous.agency.id == ret.agency.id
    (ev,) = evaluate_returns([ret], registry=registry, previous={previous.agency.id: previous})
    rules = Counter(flag.rule for flag in ev.flags)
    assert rules["rating-moved"] >= 1
    assert rules["carried-forward"] >= 1


@pytest.mark.parametrize("path", _files(RETURNS), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_single_returns_answer_every_mandatory_criterion(path: Path, registry: Registry) -> None:
    _, _, warnings = validated_return(path, registry)
    assert warnings == []
