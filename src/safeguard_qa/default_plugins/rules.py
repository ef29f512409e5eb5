"""Built-in challenge rules (see ``safeguard_qa.rules.builtin``)."""

from __future__ import annotations

from collections.abc import Callable

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.rules.base import Rule
from safeguard_qa.rules.builtin import BUILT_IN_RULES


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    for rule in BUILT_IN_RULES:
        register(rule)
