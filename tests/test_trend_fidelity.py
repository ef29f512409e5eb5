"""The trend never misleads: the previous cycle is judged as at its own date.

A fixed ``as_of`` for this cycle (the day the packs were prepared) must not be applied to
last year's returns: their evidence would all look stale, every previous standard would be
capped, and almost every agency would appear to have improved.
"""

from __future__ import annotations

from pathlib import Path

from safeguard_qa.analysis.partnership import as_of_own_dates, evaluate_partnership, settled
from safeguard_qa.engine import Engine
from safeguard_qa.loaders import load_policy, load_return
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "partnership"


def _returns(cycle: str, registry: Registry) -> list[Return]:
    folder = EXAMPLE / cycle
    return [
        load_return(p, registry=registry)
        for p in sorted(folder.iterdir())
        if p.suffix in (".yaml", ".json", ".csv", ".xlsx")
    ]


def test_previous_ratings_in_the_trend_are_those_of_their_own_cycle(registry: Registry) -> None:
    policy = load_policy(EXAMPLE / "policy.yaml", registry)
    assert policy.as_of is not None, "the example fixes as_of; this test needs that"
    current, previous = _returns("2025", registry), _returns("2024", registry)
    report = evaluate_partnership(
        current, registry=registry, policy=policy, previous_returns=previous
    )
    assert report.trend is not None
    # last year's returns evaluated on their own, as last year's cycle would have
    own_cycle = Engine(registry, as_of_own_dates(policy)).evaluate_many(previous)
    expected = {ev.agency.id: settled(ev.overall) for ev in own_cycle}
    got = {t.agency: t.previous for t in report.trend.agencies if t.direction != "new"}
    assert got
    assert got == {agency: expected[agency] for agency in got}
    for ev in own_cycle:
        assert ev.as_of == ev.submitted or ev.as_of != policy.as_of


def test_a_previous_policy_is_used_for_the_previous_cycle(registry: Registry) -> None:
    policy = load_policy(EXAMPLE / "policy.yaml", registry)
    current, previous = _returns("2025", registry), _returns("2024", registry)
    strict = Policy.model_validate({"as_of": "2030-01-01"})
    report = evaluate_partnership(
        current,
        registry=registry,
        policy=policy,
        previous_returns=previous,
        previous_policy=strict,
    )
    assert report.trend is not None
    stale = Engine(registry, strict).evaluate_many(previous)
    expected = {ev.agency.id: settled(ev.overall) for ev in stale}
    assert {t.agency: t.previous for t in report.trend.agencies if t.direction != "new"} == {
        t.agency: expected[t.agency] for t in report.trend.agencies if t.direction != "new"
    }
