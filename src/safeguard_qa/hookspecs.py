"""The plugin hooks. Every hook is a ``register_*(register)`` callback.

A plugin implements any of them with ``@safeguard_qa.hookimpl`` and calls ``register`` once
per thing it provides; the host records which plugin provided what, and a name registered
twice is an error that names both plugins. Hooks are called once, when the registry is
built: nothing on the per-response path goes through pluggy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from safeguard_qa.contract import Command, Renderer, RollupStrategy, Rule
    from safeguard_qa.models.framework import Framework
    from safeguard_qa.models.scale import Scale

PROJECT = "safeguard_qa"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_scales(register: Callable[[Scale], None]) -> None:
    """Register rating scales (``safeguard_qa.models.Scale``) that frameworks may name."""


@hookspec
def register_frameworks(register: Callable[[Framework | Path], None]) -> None:
    """Register frameworks: a ``Framework`` object, or the path of a framework YAML file
    (read and validated when first needed, so an unused framework costs nothing)."""


@hookspec
def register_rollups(register: Callable[[RollupStrategy], None]) -> None:
    """Register roll-up strategies that combine criterion ratings into a standard rating,
    and standard ratings into the overall rating. Policies name them."""


@hookspec
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register challenge rules (instances of ``safeguard_qa.contract.Rule``)."""


@hookspec
def register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register output formats (``safeguard_qa.contract.Renderer``) for ``--format``."""


@hookspec
def register_commands(register: Callable[[Command], None]) -> None:
    """Register commands (``safeguard_qa.contract.Command``) for the ``safeguard-qa`` CLI.
    A name taken by a built-in command or by another plugin is an error."""
