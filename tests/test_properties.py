"""Invariants of the engine, checked with hypothesis over generated returns.

Each property is something a partnership relies on when it shows results to an inspector:
raising one self rating never lowers its standard or the overall; the assured rating is never
better than the self rating; the order of responses, the order of returns and the file format
make no difference; the same input gives byte-identical JSON; worst-of means the worst
criterion; every reported score sits in exactly one RAG band.

Profiles (registered here and applied to these tests only):

- ``ci`` (the default): 40 examples per property, no deadline; the file runs in well under
  a minute, so it belongs in ``make test``.
- ``slow``: 500 examples per property, for a deeper search before a release::

      HYPOTHESIS_PROFILE=slow .venv/bin/pytest tests/test_properties.py

Returns are built with ``tests.factories`` (a clean return, then ``with_changes``): hypothesis
picks the framework, the agency type, a level per criterion, N/A where the scale allows it,
missing responses, evidence, actions, sign-off and submission.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from itertools import permutations
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from safeguard_qa.engine import POINTS, Engine, band
from safeguard_qa.io import write_return
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.models import RAG, Bands, Evaluation, Framework, Policy, Ratings, Rollup
from safeguard_qa.models.scale import NA, Scale
from safeguard_qa.plugins import load_registry
from safeguard_qa.report.jsonout import dumps
from tests.factories import build, clean_return_data, with_changes
from tests.hypothesis_profiles import PROFILE, REGISTRY

FRAMEWORK_IDS = ("s11-wt2023", "s11-key-features", "s175-kcsie")
ROLLUPS = ("worst_of", "weighted_mean", "percentage_met", "any_red_is_red")
DEFAULT_ROLLUP = ("worst_of", "any_red_is_red")
CLI = (sys.executable, "-m", "safeguard_qa", "--no-entry-points")

# --- building returns --------------------------------------------------------------------

_STRESS_TEXT = st.text(
    alphabet=st.characters(
        categories=("L", "N", "P", "S", "Zs"), include_characters="\n", exclude_characters="\r"
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())
"""Agency-typed text: letters in any script, digits, punctuation and symbols (so ``=``, ``<``
and emoji), spaces and newlines; no leading or trailing space, which some formats trim."""

_EVIDENCE = {
    "none": [],
    "placeholder": [{"description": "see policy"}],
    "stale": [{"description": "Audit of the process", "reference": "A-1", "date": "2019-01-10"}],
}
_ACTIONS = {
    "open": [
        {
            "description": "Refresh training",
            "owner": "DSL",
            "due": "2025-09-30",
            "status": "in_progress",
        }
    ],
    "ownerless": [{"description": "Review the policy"}],
    "overdue": [
        {"description": "Re-audit files", "owner": "Head", "due": "2024-06-30"},
    ],
    "complete": [
        {
            "description": "Update the procedure",
            "owner": "Head",
            "due": "2024-10-01",
            "status": "complete",
            "completed": "2024-09-30",
        }
    ],
}


@cache
def scale_of(framework_id: str, criterion_id: str) -> Scale | None:
    framework = REGISTRY.framework(framework_id)
    return REGISTRY.scale_for(framework, framework.criteria[criterion_id])


def better_levels(scale: Scale, level_id: str) -> list[str]:
    """Level ids strictly better than ``level_id`` on ``scale``."""
    level = scale.level(level_id)
    assert level is not None
    return [lv.id for lv in scale.levels if scale.score(lv) > scale.score(level)]


@st.composite
def response_changes(
    draw: st.DrawFn, framework: Framework, criterion_id: str, statutory: bool
) -> dict[str, Any] | None:
    """The changes to one clean response, or None to leave the criterion unanswered."""
    if draw(st.integers(0, 14)) == 0:
        return None
    criterion = framework.criteria[criterion_id]
    answer = criterion.answer
    changes: dict[str, Any] = {}
    scale = scale_of(framework.id, criterion_id)
    if answer.type == "numeric":
        top = 100 if answer.unit == "percent" else 20
        changes["value"] = draw(
            st.one_of(st.integers(0, top), st.floats(0, top, allow_nan=False, width=32))
        )
    elif scale is not None:
        choices = scale.level_ids() + ([NA] if scale.allows_na(statutory) else [])
        changes["rating"] = draw(st.sampled_from(choices))
    evidence = draw(st.sampled_from(["keep", "keep", "text", *_EVIDENCE]))
    if evidence == "text":
        changes["evidence"] = [{"description": draw(_STRESS_TEXT), "date": "2025-01-15"}]
    elif evidence != "keep":
        changes["evidence"] = _EVIDENCE[evidence]
    actions = draw(st.sampled_from(["none", "none", *_ACTIONS]))
    if actions != "none":
        changes["actions"] = _ACTIONS[actions]
    if draw(st.integers(0, 4)) == 0:
        changes["commentary"] = draw(_STRESS_TEXT)
    return changes


@st.composite
def return_data(
    draw: st.DrawFn, framework_id: str | None = None, agency_id: str = "agency-a"
) -> dict[str, Any]:
    """A valid return as plain data, with varied ratings, evidence, actions and sign-off."""
    framework_id = framework_id or draw(st.sampled_from(FRAMEWORK_IDS))
    framework = REGISTRY.framework(framework_id)
    agency_type = draw(st.sampled_from(framework.applies_to))
    statutory = draw(st.booleans())
    data = clean_return_data(
        REGISTRY, framework_id, agency_id=agency_id, agency_type=agency_type, statutory=statutory
    )
    responses = {
        r["criterion"]: draw(response_changes(framework, r["criterion"], statutory))
        for r in data["responses"]
    }
    top: dict[str, Any] = {"responses": responses}
    sign_off = draw(st.sampled_from(["keep", "keep", "missing", "junior"]))
    if sign_off == "missing":
        top["sign_off"] = None
    elif sign_off == "junior":
        top["sign_off"] = {"name": "B. Person", "role": "Office Manager", "date": "2025-05-10"}
    submitted = draw(st.sampled_from(["keep", "keep", "late", "missing"]))
    if submitted == "late":
        top["submitted"] = "2025-07-30"
    elif submitted == "missing":
        top["submitted"] = None
    return with_changes(data, top)


def rated_responses(data: dict[str, Any]) -> Iterator[tuple[str, str, Scale]]:
    """(criterion id, level id, scale) of every response rated on a scale (not N/A)."""
    for response in data["responses"]:
        rating = response.get("rating")
        scale = scale_of(data["framework"], response["criterion"])
        if rating is not None and rating != NA and scale is not None:
            yield response["criterion"], rating, scale


# --- evaluating --------------------------------------------------------------------------


@cache
def engine(
    standard: str = DEFAULT_ROLLUP[0],
    overall: str = DEFAULT_ROLLUP[1],
    mean_bands: Bands | None = None,
    met_bands: Bands | None = None,
) -> Engine:
    policy = Policy(
        rollup=Rollup(standard=standard, overall=overall),
        **({"mean_bands": mean_bands} if mean_bands else {}),
        **({"met_bands": met_bands} if met_bands else {}),
    )
    return Engine(REGISTRY, policy)


def evaluate(data: dict[str, Any], rollup: tuple[str, str] = DEFAULT_ROLLUP) -> Evaluation:
    return engine(*rollup).evaluate(build(data))


def standard_result(evaluation: Evaluation, criterion_id: str) -> Ratings:
    standard_id = next(c.standard for c in evaluation.criteria if c.criterion == criterion_id)
    return next(s for s in evaluation.standards if s.standard == standard_id)


def rank(rag: RAG | None) -> int:
    assert rag is not None
    return rag.rank


rollups = st.tuples(st.sampled_from(ROLLUPS), st.sampled_from(ROLLUPS))

# --- monotonicity ------------------------------------------------------------------------


@PROFILE
@given(data=return_data(), rollup=rollups, pick=st.data())
def test_raising_one_self_rating_never_lowers_its_standard_or_the_overall(
    data: dict[str, Any], rollup: tuple[str, str], pick: st.DataObject
) -> None:
    rated = [(cid, level, scale) for cid, level, scale in rated_responses(data)]
    improvable = [(cid, better_levels(scale, level)) for cid, level, scale in rated]
    improvable = [(cid, better) for cid, better in improvable if better]
    assume(improvable)
    criterion_id, better = pick.draw(st.sampled_from(improvable), label="criterion")
    raised_to = pick.draw(st.sampled_from(better), label="raised to")
    raised = with_changes(data, {"responses": {criterion_id: {"rating": raised_to}}})

    before, after = evaluate(data, rollup), evaluate(raised, rollup)

    for label, old, new in (
        ("standard", standard_result(before, criterion_id), standard_result(after, criterion_id)),
        ("overall", before.overall, after.overall),
    ):
        note(f"{label}: {old.self_rag} {old.self_score} -> {new.self_rag} {new.self_score}")
        assert old.self_score is not None
        assert new.self_score is not None
        assert new.self_score >= old.self_score, f"{label} self score fell"
        assert rank(new.self_rag) >= rank(old.self_rag), f"{label} self RAG fell"


@PROFILE
@given(data=return_data(), rollup=rollups, pick=st.data())
def test_a_better_indicator_figure_never_lowers_its_standard_or_the_overall(
    data: dict[str, Any], rollup: tuple[str, str], pick: st.DataObject
) -> None:
    framework = REGISTRY.framework(data["framework"])
    figures = [
        (r["criterion"], r["value"])
        for r in data["responses"]
        if r.get("value") is not None and "rating" not in r
    ]
    assume(figures)
    criterion_id, value = pick.draw(st.sampled_from(figures), label="indicator")
    answer = framework.criteria[criterion_id].answer
    assert answer.type == "numeric"
    top = 100 if answer.unit == "percent" else 20
    if answer.direction == "higher_is_better":
        assume(value < top)
        better = pick.draw(st.floats(min_value=value, max_value=top), label="better figure")
    else:
        assume(value > 0)
        better = pick.draw(st.floats(min_value=0, max_value=value), label="better figure")
    improved = with_changes(data, {"responses": {criterion_id: {"value": better}}})

    before, after = evaluate(data, rollup), evaluate(improved, rollup)

    for old, new in (
        (standard_result(before, criterion_id), standard_result(after, criterion_id)),
        (before.overall, after.overall),
    ):
        assert old.self_score is not None
        assert new.self_score is not None
        assert new.self_score >= old.self_score
        assert rank(new.self_rag) >= rank(old.self_rag)


# --- assured never better than self ------------------------------------------------------


@PROFILE
@given(data=return_data(), rollup=rollups)
def test_the_assured_rating_is_never_better_than_the_self_rating(
    data: dict[str, Any], rollup: tuple[str, str]
) -> None:
    evaluation = evaluate(data, rollup)
    rows: list[tuple[str, Ratings]] = [
        *((f"criterion {c.criterion}", c) for c in evaluation.criteria),
        *((f"standard {s.standard}", s) for s in evaluation.standards),
        ("overall", evaluation.overall),
    ]
    compared = 0
    for label, ratings in rows:
        if ratings.self_rag is None:
            continue
        assert ratings.assured_rag is not None, f"{label}: rated by the agency but not assured"
        assert ratings.assured_rag.rank <= ratings.self_rag.rank, label
        assert ratings.assured_score is not None
        assert ratings.self_score is not None
        assert ratings.assured_score <= ratings.self_score, label
        compared += 1
    assert compared >= 1 or evaluation.overall.self_rag is None


# --- order, repetition and format make no difference -------------------------------------


@PROFILE
@given(data=return_data(), seed=st.integers(0, 2**32 - 1), rollup=rollups)
def test_the_order_of_responses_makes_no_difference(
    data: dict[str, Any], seed: int, rollup: tuple[str, str]
) -> None:
    shuffled = with_changes(data, {})
    random.Random(seed).shuffle(shuffled["responses"])
    assert dumps(evaluate(shuffled, rollup)) == dumps(evaluate(data, rollup))


@settings(PROFILE, max_examples=max(1, PROFILE.max_examples // 2))
@given(
    framework_id=st.sampled_from(FRAMEWORK_IDS),
    pick=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_order_of_peer_returns_makes_no_difference(
    framework_id: str, pick: st.DataObject, seed: int
) -> None:
    """Peer rules compare each agency with the others: who comes first must not matter."""
    returns = [
        build(pick.draw(return_data(framework_id, agency_id=f"agency-{n}"), label=f"return {n}"))
        for n in range(4)
    ]
    shuffled = list(returns)
    random.Random(seed).shuffle(shuffled)
    by_agency = {ev.agency.id: dumps(ev) for ev in engine().evaluate_many(returns)}
    by_agency_shuffled = {ev.agency.id: dumps(ev) for ev in engine().evaluate_many(shuffled)}
    assert by_agency_shuffled == by_agency


@cache
def second_engine() -> Engine:
    """An engine on a registry of its own: nothing cached by the first may leak into it."""
    return Engine(load_registry(entry_points=False))


@PROFILE
@given(data=return_data())
def test_the_same_input_gives_byte_identical_json(data: dict[str, Any]) -> None:
    first = dumps(evaluate(data))
    second = dumps(second_engine().evaluate(build(with_changes(data, {}))))
    assert second == first
    assert json.loads(first)["return_id"] == build(data).id


def test_byte_identical_json_across_processes(tmp_path: Path) -> None:
    """Hash randomisation differs between processes: set order must never reach the output."""
    files = []
    for n, framework_id in enumerate(FRAMEWORK_IDS):
        data = clean_return_data(REGISTRY, framework_id, agency_id=f"agency-{n}")
        changes: dict[str, Any] = {"sign_off": None, "responses": {}}
        for i, response in enumerate(data["responses"][:12]):
            changes["responses"][response["criterion"]] = [
                {"evidence": []},
                {"actions": _ACTIONS["ownerless"]},
                {"actions": _ACTIONS["overdue"]},
                {"evidence": _EVIDENCE["stale"]},
                None,
            ][i % 5]
        path = tmp_path / f"{framework_id}.yaml"
        path.write_text(yaml.safe_dump(with_changes(data, changes)), encoding="utf-8")
        files.append(str(path))

    def run(seed: str) -> bytes:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [*CLI, "evaluate", *files, "--format", "json"],
            capture_output=True,
            env=env,
            check=False,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr.decode()  # flags at or above high
        return done.stdout

    first, second = run("1"), run("2")
    assert json.loads(first)[0]["flags"], "the returns were meant to raise flags"
    assert first == second


@PROFILE
@given(data=return_data(), fmt=st.sampled_from(["yaml", "json"]))
def test_yaml_and_json_returns_give_the_same_result(data: dict[str, Any], fmt: str) -> None:
    ret = build(data)
    plain = ret.model_dump(mode="json")
    text = (
        yaml.safe_dump(plain, allow_unicode=True, sort_keys=False)
        if fmt == "yaml"
        else json.dumps(plain, ensure_ascii=False, indent=1)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"return.{fmt}"
        path.write_text(text, encoding="utf-8")
        loaded = load_return(path)
    assert loaded.model_dump() == ret.model_dump()
    assert dumps(engine().evaluate(loaded)) == dumps(engine().evaluate(ret))


@PROFILE
@given(data=return_data(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_csv_and_xlsx_returns_give_the_same_result(data: dict[str, Any], fmt: str) -> None:
    ret = build(data)
    written = write_return(ret, fmt, registry=REGISTRY)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"return.{fmt}"
        path.write_bytes(written if isinstance(written, bytes) else written.encode("utf-8"))
        loaded = load_return(path, registry=REGISTRY)
    assert loaded.model_dump() == ret.model_dump()
    assert dumps(engine().evaluate(loaded)) == dumps(engine().evaluate(ret))


# --- roll-ups and bands ------------------------------------------------------------------


@PROFILE
@given(data=return_data(), overall=st.sampled_from(ROLLUPS))
def test_under_worst_of_a_standard_is_its_worst_criterion(
    data: dict[str, Any], overall: str
) -> None:
    evaluation = evaluate(data, ("worst_of", overall))
    for standard in evaluation.standards:
        criteria = [c for c in evaluation.criteria if c.standard == standard.standard]
        for kind in ("self", "assured"):
            rags = [getattr(c, f"{kind}_rag") for c in criteria]
            rated = [r for r in rags if r is not None]
            expected = RAG.worst(rated) if rated else None
            assert getattr(standard, f"{kind}_rag") == expected, (standard.standard, kind)
            if expected is not None:
                assert getattr(standard, f"{kind}_score") == round(POINTS[expected], 6)


percent = st.integers(0, 100).map(lambda n: n / 100)


@st.composite
def bands(draw: st.DrawFn, with_blue: bool | None = None) -> Bands:
    """Rising band bounds at whole-percent precision, as a partnership would write them."""
    amber, green, blue = sorted(draw(st.lists(percent, min_size=3, max_size=3)))
    keep_blue = draw(st.booleans()) if with_blue is None else with_blue
    return Bands(amber=amber, green=green, blue=blue if keep_blue else None)


def containing_bands(score: float, bounds: Bands) -> list[RAG]:
    """Every band whose interval holds ``score``, worked out from the bounds directly."""
    top = bounds.blue if bounds.blue is not None else float("inf")
    intervals = {
        RAG.RED: (float("-inf"), bounds.amber),
        RAG.AMBER: (bounds.amber, bounds.green),
        RAG.GREEN: (bounds.green, top),
        RAG.BLUE: (top, float("inf")),
    }
    return [rag for rag, (low, high) in intervals.items() if low <= score < high]


@PROFILE
@given(score=st.floats(0, 1), bounds=bands())
def test_every_score_falls_in_exactly_one_band(score: float, bounds: Bands) -> None:
    holding = containing_bands(score, bounds)
    assert len(holding) == 1
    assert band(score, bounds) == holding[0]
    if bounds.blue is None:
        assert band(score, bounds) is not RAG.BLUE


@PROFILE
@given(
    data=return_data(),
    standard=st.sampled_from(["weighted_mean", "percentage_met", "any_red_is_red"]),
    overall=st.sampled_from(["weighted_mean", "percentage_met", "any_red_is_red"]),
    mean_bands=bands(),
    met_bands=bands(with_blue=False),
)
def test_every_reported_rating_is_the_band_of_its_reported_score(
    data: dict[str, Any], standard: str, overall: str, mean_bands: Bands, met_bands: Bands
) -> None:
    evaluation = engine(standard, overall, mean_bands, met_bands).evaluate(build(data))
    # flags on the whole return (no sign-off...) cap the overall assured RAG, not its score
    return_caps = [f.caps for f in evaluation.flags if f.criterion is None and f.caps is not None]
    levels: list[tuple[str, Ratings, bool]] = [(standard, s, False) for s in evaluation.standards]
    levels.append((overall, evaluation.overall, True))
    for rollup, ratings, is_overall in levels:
        for kind in ("self", "assured"):
            rag, score = getattr(ratings, f"{kind}_rag"), getattr(ratings, f"{kind}_score")
            if rag is None:
                continue
            if rollup == "any_red_is_red" and rag is RAG.RED:
                continue  # red because a part is red, whatever the mean
            bounds = met_bands if rollup == "percentage_met" else mean_bands
            holding = containing_bands(score, bounds)
            assert len(holding) == 1, (rollup, kind, score)
            expected = holding[0]
            if is_overall and kind == "assured" and return_caps:
                expected = expected.at_most(RAG.worst(return_caps))
            assert rag == expected, (rollup, kind, score, rag)


def test_a_mean_exactly_on_a_band_bound_gets_that_band_in_any_order() -> None:
    """Float sums of thirds once put a mean of exactly 0.6 at 0.5999999999999999: amber under
    the default bands in some orders of the criteria, while the score was reported as 0.6."""
    combine = REGISTRY.rollups["weighted_mean"].combine
    parts = [RAG.AMBER, RAG.AMBER, RAG.BLUE, RAG.GREEN, RAG.GREEN]  # (1+1+3+2+2)/15 = 0.6
    policy = Policy()
    assert policy.mean_bands.green == 0.6
    rags = {combine([(rag, 1.0) for rag in order], policy)[0] for order in permutations(parts)}
    assert rags == {RAG.GREEN}
