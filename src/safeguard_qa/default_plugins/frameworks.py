"""The shipped frameworks: every YAML file in the package's ``standards`` folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.models.framework import Framework

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "standards"


@hookimpl
def register_frameworks(register: Callable[[Framework | Path], None]) -> None:
    for path in sorted(STANDARDS_DIR.glob("*.yaml")):
        register(path)
