"""The command modules the CLI is made of, in the order they appear in --help."""

from __future__ import annotations

from types import ModuleType

from safeguard_qa.cli import core

MODULES: tuple[ModuleType, ...] = (core,)
