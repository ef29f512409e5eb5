"""The Windows path, as far as it runs here: the README's Windows commands (minus the
install) and output on a console whose code page cannot hold every character."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = ".venv\\Scripts\\safeguard-qa"


def windows_commands() -> list[str]:
    """The safeguard-qa commands of the README's Windows block, continuation lines joined."""
    match = re.search(r"### On Windows\n.*?```powershell\n(.*?)```", README, flags=re.S)
    assert match, "the README has no '### On Windows' section with a powershell block"
    text = match.group(1).replace("`\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip().startswith(SCRIPT)]


def as_here(command: str, tmp_path: Path) -> list[str]:
    """A Windows command line as argv for this machine; any -o output goes to ``tmp_path``."""
    args = shlex.split(command.replace("\\", "/"))
    argv = [sys.executable, "-m", "safeguard_qa", *args[1:]]
    for i, arg in enumerate(argv[:-1]):
        if arg in ("-o", "--output"):
            argv[i + 1] = str(tmp_path / Path(argv[i + 1]).name)
    return argv


def test_the_readme_windows_commands_run(tmp_path: Path) -> None:
    commands = windows_commands()
    assert len(commands) >= 3, commands
    for command in commands:
        result = subprocess.run(
            as_here(command, tmp_path), cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode in (0, 1), f"{command}\n{result.stderr}"  # 1: flags raised
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("code_page", ["cp437", "cp1252"])
def test_a_narrow_console_code_page_never_breaks_output(code_page: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": code_page}
    base = [sys.executable, "-m", "safeguard_qa", "--no-entry-points", "evaluate"]
    table = subprocess.run(
        [*base, "examples/returns/police.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    assert table.returncode in (0, 1), table.stderr
    assert b"internal error" not in table.stderr
    assert b"Overall: self" in table.stdout
    as_json = subprocess.run(
        [*base, "examples/returns/police.yaml", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    assert as_json.returncode in (0, 1), as_json.stderr
    assert json.loads(as_json.stdout.decode(code_page))["agency"]["id"] == "eastmarch-police"
