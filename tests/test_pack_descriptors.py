"""The pack shows, beside the level an agency claimed, what that level looks like for the
item (its descriptor), and the item's references."""

from __future__ import annotations

from typing import Any

from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.models.framework import Framework
from safeguard_qa.plugins import load_registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import render_partnership
from safeguard_qa.report.pack_markdown import render_pack
from tests.factories import build, clean_return_data, with_changes

LEVEL_TEXT = "Policy signed off by the board <b>and</b> audited this year"


def test_the_claimed_levels_descriptor_and_the_references_are_in_the_pack() -> None:
    registry = load_registry(entry_points=False)
    base = registry.framework("s11-wt2023")
    data: dict[str, Any] = base.model_dump()
    data["id"] = "described"
    first = data["standards"][0]["criteria"][0]
    first["descriptors"] = {"green": LEVEL_TEXT, "amber": "Policy drafted"}
    first["references"] = ["Working Together 2023, chapter 2"]
    registry.add_framework(Framework.model_validate(data))
    ret = build(
        with_changes(
            {**clean_return_data(registry, "described"), "framework_version": base.version},
            {"responses": {first["id"]: {"evidence": []}}},  # green with no evidence: flagged
        )
    )
    report = evaluate_partnership([ret], registry=registry)
    item = next(i for i in report.agencies[0].agenda if i.criterion == first["id"])
    assert item.claimed_descriptor == LEVEL_TEXT
    assert item.references == ("Working Together 2023, chapter 2",)
    html = render_partnership(report, RenderOptions())
    assert "Policy signed off by the board &lt;b&gt;and&lt;/b&gt; audited" in html
    assert "Working Together 2023, chapter 2" in html
    markdown = render_pack(report, RenderOptions())
    assert isinstance(markdown, str)
    assert "looks like:** Policy signed off by the board" in markdown
    assert "<b>" not in markdown
