"""The example plugin's own tests: its standard loads and its rule flags undated evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import safeguard_qa_northshire

from safeguard_qa import Engine, Policy, load_registry
from safeguard_qa.models import RAG, Return
from safeguard_qa.plugins import Registry


@pytest.fixture
def registry() -> Iterator[Registry]:
    return load_registry(entry_points=False, extra=[("northshire", safeguard_qa_northshire)])


def _return(evidence: list[dict[str, Any]]) -> Return:
    return Return.model_validate(
        {
            "framework": "northshire-local",
            "framework_version": "2025.1",
            "agency": {"id": "ns-police", "name": "Northshire Constabulary", "type": "police"},
            "period": {"start": "2024-04-01", "end": "2025-03-31"},
            "submitted": "2025-05-01",
            "responses": [{"criterion": "NL-1.1", "rating": "green", "evidence": evidence}],
        }
    )


def test_local_standard_is_installed(registry: Registry) -> None:
    framework = registry.framework("northshire-local")
    assert [s.id for s in framework.standards] == ["NL-1", "NL-2", "NL-3"]
    assert registry.owners[("rules", "northshire-undated-evidence")] == "northshire"


def test_undated_evidence_is_flagged_and_dated_is_not(registry: Registry) -> None:
    engine = Engine(registry, Policy(only_rules=("northshire-undated-evidence",)))
    ev = engine.evaluate(_return([{"description": "Exploitation training register"}]))
    (flag,) = ev.flags
    assert (flag.criterion, flag.caps) == ("NL-1.1", RAG.GREEN)
    dated = [{"description": "Exploitation training register", "date": "2025-01-10"}]
    assert engine.evaluate(_return(dated)).flags == ()


def test_the_checklist_command_runs_from_the_cli(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plugin's command, found through the register_commands hook."""
    from safeguard_qa.cli import main

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "northshire_here.py").write_text(
        "from safeguard_qa_northshire import register_commands  # noqa: F401\n",
        encoding="utf-8",
    )
    code = main(["--no-entry-points", "--plugins-dir", str(folder), "northshire-checklist"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("# Northshire local safeguarding priorities")
    assert "- [ ] **NL-1.1**" in out
