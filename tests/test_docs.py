"""The README stays true: its Python examples run, and it names every rule, scale, roll-up,
policy field, command and hook that exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard_qa.cli import build_parser
from safeguard_qa.models.policy import Policy
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_shows_the_two_commands() -> None:
    assert "make demo" in README
    assert "make test" in README


@pytest.mark.parametrize(
    "block", PYTHON_BLOCKS, ids=[f"block-{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_readme_python_examples_run(block: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_readme_names_every_rule_scale_and_rollup(registry: Registry) -> None:
    for name in [*registry.rules, *registry.scales, *registry.rollups]:
        assert f"`{name}`" in README, f"{name} is not in the README"


def test_readme_documents_every_policy_field() -> None:
    for field in Policy.model_fields:
        assert f"`{field}" in README, f"policy field {field} is not in the README"


def test_readme_shows_every_command() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands
    for command in commands:
        assert f"safeguard-qa {command}" in README, f"command {command} is not in the README"


def test_readme_outcomes_example_is_valid() -> None:
    import yaml

    from safeguard_qa.models.outcomes import Outcomes

    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", README, flags=re.S) if "outcomes:" in b]
    outcomes = Outcomes.model_validate(yaml.safe_load(block))
    assert outcomes.outcomes[0].decision == "rating_revised"
