"""Shared fixtures: the registry of built-in plugins, and clean returns to tweak."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safeguard_qa.plugins import Registry, load_registry
from tests.factories import build, clean_return_data


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The built-in plugins only: installed third-party plugins never leak into tests."""
    return load_registry(entry_points=False)


@pytest.fixture
def clean_data(registry: Registry) -> Callable[..., dict[str, Any]]:
    def make(framework_id: str = "s11-wt2023", **kwargs: Any) -> dict[str, Any]:
        return clean_return_data(registry, framework_id, **kwargs)

    return make


@pytest.fixture
def clean_return(registry: Registry) -> Any:
    return build(clean_return_data(registry))
