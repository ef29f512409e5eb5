"""Evaluating a folder streams: the same results as evaluating in memory, in any case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.api import iter_evaluations
from safeguard_qa.engine import Engine
from safeguard_qa.errors import ReturnError
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.jsonout import render_evaluations, stream_evaluations
from safeguard_qa.rules.base import PeerStats
from tests.factories import build, with_changes

ACTION = [{"description": "Fix", "owner": "Lead", "due": "2025-09-01"}]


@pytest.fixture
def partnership(tmp_path: Path, clean_data: Any) -> tuple[list[Path], list[Path]]:
    ratings = {"a": "blue", "b": "red", "c": "red", "d": "amber", "e": "green"}
    current, previous = [], []
    for agency, rating in ratings.items():
        change = {"responses": {"S11-1.1": {"rating": rating, "actions": ACTION}}}
        data = with_changes(clean_data(agency_id=agency), change)
        path = tmp_path / "2025" / f"{agency}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        current.append(path)
        before = with_changes(data, {"responses": {"S11-1.2": {"rating": "red"}}})
        old = tmp_path / "2024" / f"{agency}.yaml"
        old.parent.mkdir(exist_ok=True)
        old.write_text(yaml.safe_dump(before), encoding="utf-8")
        previous.append(old)
    return current, previous


@pytest.mark.parametrize("keep", [0, 256])
def test_streamed_equals_in_memory(
    registry: Registry, partnership: tuple[list[Path], list[Path]], keep: int
) -> None:
    current, previous = partnership
    engine = Engine(registry)
    streamed = list(
        iter_evaluations(current, engine=engine, previous_paths=previous, keep_in_memory=keep)
    )
    returns = [build(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in current]
    before = {
        r.agency.id: r
        for r in (build(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in previous)
    }
    in_memory = engine.evaluate_many(returns, previous=before)
    assert streamed == in_memory
    rules = {f.rule for ev in streamed for f in ev.flags}
    assert {"peer-outlier", "rating-moved"} <= rules


def test_stream_json_is_the_same_text(registry: Registry, partnership: Any) -> None:
    current, _ = partnership
    evaluations = list(iter_evaluations(current, engine=Engine(registry)))
    options = RenderOptions()
    for chunk in (evaluations, evaluations[:1], []):
        streamed = "".join(stream_evaluations(iter(chunk), len(chunk), options))
        assert streamed == render_evaluations(chunk, options)


def test_every_bad_file_is_reported_before_any_result(
    registry: Registry, partnership: Any, tmp_path: Path
) -> None:
    current, _ = partnership
    bad = tmp_path / "2025" / "zz.yaml"
    bad.write_text("framework: s11-wt2023\n", encoding="utf-8")
    results = iter_evaluations([*current, bad], engine=Engine(registry))
    with pytest.raises(ReturnError) as info:
        next(results)
    assert all(str(bad) in str(p) for p in info.value.problems)


def test_peer_counts_leave_out_the_agency_itself() -> None:
    stats = PeerStats({("fw", "c"): {0.0: 2, 1.0: 1}})
    assert stats.others("fw", "c", 1.0) == (2, 0.0)
    assert stats.others("fw", "c", 0.0) == (2, 0.5)
    assert stats.others("fw", "other", None) == (0, None)


@pytest.mark.parametrize("name", ["json", "table", "csv", "markdown"])
def test_text_formats_stream_and_stream_the_same_text(
    registry: Registry, partnership: Any, name: str
) -> None:
    """A folder of any size is written as it is evaluated: these formats must stream, and
    streaming must not change a byte."""
    current, _ = partnership
    evaluations = list(iter_evaluations(current, engine=Engine(registry)))
    renderer = registry.renderers[name]
    assert renderer.stream is not None
    assert renderer.evaluations is not None
    options = RenderOptions()
    streamed = "".join(renderer.stream(iter(evaluations), len(evaluations), options))
    assert streamed == renderer.evaluations(evaluations, options)
