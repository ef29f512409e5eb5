"""Plugins add CLI commands through the register_commands hook; built-in commands start
without loading any plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard_qa.cli import BUILT_IN_COMMANDS, build_parser, main

COMMAND = """
from safeguard_qa import hookimpl
from safeguard_qa.contract import Command


def _add(commands):
    parser = commands.add_parser("{name}", help="say hello", description="Say hello.")
    parser.add_argument("who")
    parser.set_defaults(func=lambda args: print(f"hello {{args.who}}") or 0)


@hookimpl
def register_commands(register):
    register(Command("{name}", "say hello", _add))
"""


def _plugin(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "greeter.py").write_text(COMMAND.format(name=name), encoding="utf-8")
    return folder


def test_a_plugin_adds_a_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _plugin(tmp_path, "hello")
    assert main(["--no-entry-points", "--plugins-dir", str(folder), "hello", "board"]) == 0
    assert capsys.readouterr().out == "hello board\n"


def test_a_plugin_may_not_take_a_built_in_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _plugin(tmp_path, "validate")
    code = main(["--no-entry-points", "--plugins-dir", str(folder), "hellox"])
    assert code == 2
    assert "'validate' is a built-in command" in capsys.readouterr().err


def test_the_built_in_command_names_are_the_parsers() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == BUILT_IN_COMMANDS  # type: ignore[arg-type]
