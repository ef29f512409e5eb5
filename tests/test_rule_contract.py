"""What a plugin's rule can and cannot do to a run: it reads, it never writes; a rule that
runs away is stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from safeguard_qa import hookimpl
from safeguard_qa.engine import Engine
from safeguard_qa.engine.engine import MAX_FINDINGS_PER_RULE
from safeguard_qa.errors import RuleError
from safeguard_qa.models.policy import Severity
from safeguard_qa.plugins import load_registry
from safeguard_qa.rules.base import Finding, ReturnContext, Rule
from tests.factories import build


class _Plugin:
    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    @hookimpl
    def register_rules(self, register: Any) -> None:
        register(self.rule)


class _Meddler(Rule):
    """Tries to change what other agencies are judged by."""

    id = "meddler"
    title = "Meddler"
    severity = Severity.LOW
    question = "?"
    needs_peers = True
    refused: list[str] = []  # noqa: RUF012 - the test reads what was refused

    def check(self, ctx: ReturnContext, params: Any) -> Iterator[Finding]:
        attempts = {
            "peer counts": lambda: ctx.peers.counts.clear(),  # type: ignore[union-attr,attr-defined]
            "one criterion's counts": lambda: next(  # type: ignore[union-attr]
                iter(ctx.peers.counts.values())  # type: ignore[union-attr]
            ).clear(),
            "the views": lambda: ctx.items.append(None),  # type: ignore[attr-defined]
            "the return": lambda: setattr(ctx.ret, "agency", None),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
            except (AttributeError, TypeError, ValueError):
                self.refused.append(name)
        yield from ()


class _Flood(Rule):
    id = "flood"
    title = "Flood"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx: ReturnContext, params: Any) -> Iterator[Finding]:
        n = 0
        while True:
            n += 1
            yield Finding(message="again", key=str(n))


def test_rules_get_read_only_views(clean_data: Any) -> None:
    rule = _Meddler()
    registry = load_registry(entry_points=False, extra=[("meddler", _Plugin(rule))])
    returns = [build(clean_data(agency_id=f"agency-{i}")) for i in range(2)]
    Engine(registry).evaluate_many(returns)
    assert set(rule.refused) == {"peer counts", "one criterion's counts", "the views", "the return"}


def test_a_rule_that_never_stops_is_stopped(clean_data: Any) -> None:
    registry = load_registry(entry_points=False, extra=[("flood", _Plugin(_Flood()))])
    with pytest.raises(RuleError, match=f"more than {MAX_FINDINGS_PER_RULE} findings"):
        Engine(registry).evaluate(build(clean_data()))
