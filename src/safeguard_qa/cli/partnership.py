"""The partnership command (issue 5)."""

from __future__ import annotations

from typing import Any


def add_parser(sub: Any) -> None:
    """No commands yet."""
