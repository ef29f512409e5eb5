"""Built-in roll-up strategies: worst_of, weighted_mean, percentage_met, any_red_is_red."""

from __future__ import annotations

from collections.abc import Callable

from safeguard_qa.engine.rollup import BUILT_IN, RollupStrategy
from safeguard_qa.hookspecs import hookimpl


@hookimpl
def register_rollups(register: Callable[[RollupStrategy], None]) -> None:
    for strategy in BUILT_IN:
        register(strategy)
