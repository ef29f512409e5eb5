"""The panel's score inside the return (a "moderated score" column in many templates) shows
per criterion in every output, the terminal table and Markdown included."""

from __future__ import annotations

from typing import Any

import pytest

from safeguard_qa.engine import Engine
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from tests.factories import build, with_changes


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])  # JSON: the model above
def test_a_moderated_score_in_the_return_shows_per_criterion(
    registry: Registry, clean_data: Any, fmt: str
) -> None:
    data = with_changes(clean_data(), {"responses": {"S11-1.2": {"moderated": "amber"}}})
    evaluation = Engine(registry).evaluate(build(data))
    criterion = next(c for c in evaluation.criteria if c.criterion == "S11-1.2")
    assert (criterion.moderated_level, criterion.moderated_rag) == ("amber", "amber")
    renderer = registry.renderers[fmt].evaluations
    assert renderer is not None
    text = renderer([evaluation], RenderOptions())
    assert isinstance(text, str)
    row = next(line for line in text.splitlines() if "S11-1.2" in line and "mber" in line)
    assert "green" in row.casefold()  # the agency's own level beside the panel's
