"""The plugin contract is one module that imports nothing a plugin does not need."""

from __future__ import annotations

import ast
from pathlib import Path

from safeguard_qa import contract, hookspecs

BELOW = ("safeguard_qa.models", "safeguard_qa.contract")


def _imports(path: str) -> set[str]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("safeguard_qa")}


def test_the_contract_imports_only_the_models() -> None:
    """Arrows point down: the contract sits just above the models, below everything else
    (the partnership report is named for type checking only)."""
    imported = _imports(contract.__file__) - {"safeguard_qa.analysis.partnership"}
    assert imported
    assert all(name.startswith(BELOW) for name in imported), imported


def test_hookspecs_import_the_contract_types_and_nothing_above() -> None:
    imported = _imports(hookspecs.__file__)
    assert "safeguard_qa.contract" in imported
    assert all(name.startswith(BELOW) for name in imported), imported
