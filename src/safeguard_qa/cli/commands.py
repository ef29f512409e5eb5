"""The command modules the CLI is made of, in the order they appear in --help."""

from __future__ import annotations

from types import ModuleType

from safeguard_qa.cli import audit, core, io_commands, partnership, rules, standards

MODULES: tuple[ModuleType, ...] = (standards, core, rules, io_commands, partnership, audit)
