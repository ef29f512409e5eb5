"""The command line as people meet it: --version, --help of every command, -v, the validate
summary, what a command says it wrote, pipes into head, plugin folders and the rules command."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.cli import build_parser, main
from safeguard_qa.cli.core import EVALUATION_FORMATS
from safeguard_qa.plugins import Registry
from safeguard_qa.schemas import SCHEMAS
from tests.factories import with_changes

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "bad"

RULE_PLUGIN = """\
from safeguard_qa import Rule, Severity, hookimpl


class {cls}(Rule):
    id = "{rule_id}"
    title = "{title}"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx, params):
        {body}


@hookimpl
def register_rules(register):
    register({cls}())
"""


def rule_plugin(folder: Path, name: str, rule_id: str, body: str = "return ()") -> Path:
    """A folder holding one local plugin module that registers one rule."""
    folder.mkdir(parents=True, exist_ok=True)
    cls = "".join(part.title() for part in rule_id.split("-"))
    (folder / f"{name}.py").write_text(
        RULE_PLUGIN.format(cls=cls, rule_id=rule_id, title=f"Rule {rule_id}", body=body),
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def write_return(tmp_path: Path, clean_data: Any) -> Any:
    def write(changes: dict[str, Any] | None = None, name: str = "return.yaml", **kw: Any) -> Path:
        path = tmp_path / "returns" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(with_changes(clean_data(**kw), changes)), encoding="utf-8")
        return path

    return write


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-entry-points", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --version and --help --------------------------------------------------------------------


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == (
        f"safeguard-qa {importlib.metadata.version('safeguard-qa')}\n"
    )


def command_parsers() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and action (``standards check``) with its parser."""
    found: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append(((*path, name), child))
                    walk(child, (*path, name))

    walk(build_parser(), ())
    return found


COMMANDS = command_parsers()


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_command_help_has_a_description_choices_and_an_example(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...]
) -> None:
    parser = dict(COMMANDS)[path]
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert parser.description, f"{' '.join(path)} has no description"
    assert parser.description.splitlines()[0] in out
    assert "\nExample" in out, f"{' '.join(path)} --help shows no example"
    example_lines = out[out.index("\nExample") :].splitlines()[1:]
    assert any(line.strip().startswith("safeguard-qa ") for line in example_lines)
    for action in parser._actions:
        for choice in action.choices or ():
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert str(choice) in out, f"{action.dest}: choice {choice} is not in the help"


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"validate", "evaluate", "rules", "template", "standards check", "standards new"} <= (
        names
    )


def test_evaluate_help_lists_the_built_in_formats(registry: Registry) -> None:
    built_in = {
        name
        for name, renderer in registry.renderers.items()
        if renderer.evaluations is not None
        and registry.owners[("renderers", name)] in ("renderers", "exports", "pack")
    }
    assert set(EVALUATION_FORMATS) == built_in


# -v ----------------------------------------------------------------------------------------


def test_verbose_logs_reads_skips_and_timings_but_no_content(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "broken.py").write_text("raise ImportError('no module named foo')\n", "utf-8")
    path = write_return()
    code, _, err = run(capsys, "validate", str(path), "-v", "--plugins-dir", str(folder))
    assert code == 0
    assert f"input: {path} (yaml)" in err
    assert f"plugins: loading the modules in {folder}" in err
    assert "skipping plugin local.broken local: ImportError: no module named foo" in err
    assert "loading plugins took" in err
    assert "validating 1 file took" in err
    assert "validate finished in" in err
    for personal in ("A. Person", "Agency agency-a"):  # the signer, the agency's name
        assert personal not in err


def test_quiet_without_verbose(capsys: pytest.CaptureFixture[str], write_return: Any) -> None:
    code, _, err = run(capsys, "validate", str(write_return()))
    assert code == 0
    assert err == "1 file: 1 ok, 0 with warnings, 0 with errors\n"


def test_verbose_before_the_command_too(
    capsys: pytest.CaptureFixture[str], write_return: Any
) -> None:
    code, _, err = run(capsys, "-v", "evaluate", str(write_return()), "--format", "json")
    assert code == 0
    assert "reading and checking returns took" in err
    assert "evaluating and writing 1 return took" in err


def test_verbose_shows_a_failing_rules_traceback(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    folder = rule_plugin(tmp_path / "plugins", "boom", "boom", body="raise KeyError('x')")
    path = write_return()
    code, _, err = run(capsys, "--plugins-dir", str(folder), "evaluate", str(path))
    assert code == 2
    assert "Traceback" not in err
    code, _, err = run(capsys, "--plugins-dir", str(folder), "evaluate", str(path), "-v")
    assert code == 2
    assert "Traceback (most recent call last)" in err
    assert f'File "{folder / "boom.py"}"' in err  # the rule's own line
    assert "raise KeyError('x')" in err
    assert "KeyError: 'x'\n\nThe above exception was the direct cause" in err


# validate: summary and receipt ------------------------------------------------------------


def test_validate_ends_with_a_summary(
    capsys: pytest.CaptureFixture[str], write_return: Any
) -> None:
    clean = write_return(name="a-clean.yaml")
    warning = write_return({"responses": {"S11-1.1": None}}, name="b-warning.yaml")
    broken = write_return({"agency": {"statutory": "maybe"}}, name="c-broken.yaml")
    code, out, err = run(capsys, "validate", str(clean.parent))
    assert code == 2
    assert out == f"{clean}: ok\n"
    assert str(warning) in err
    assert str(broken) in err
    assert err.splitlines()[-1] == "3 files: 1 ok, 1 with warnings, 1 with errors"


def test_receipt_needs_one_excel_return(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    receipt = tmp_path / "receipt.xlsx"
    path = write_return()
    code, _, err = run(capsys, "validate", str(path), "--receipt", str(receipt))
    assert code == 2
    assert "a receipt marks up one Excel return; found 1 return (return.yaml is not .xlsx)" in err
    assert not receipt.exists()


@pytest.mark.skipif(
    importlib.util.find_spec("safeguard_qa.io.receipt") is None,
    reason="safeguard_qa.io.receipt (write_receipt) has not landed yet",
)
def test_receipt_marks_the_agencys_workbook(
    capsys: pytest.CaptureFixture[str], clean_data: Any, registry: Registry, tmp_path: Path
) -> None:
    import openpyxl

    from safeguard_qa.io import write_return as write_return_file
    from tests.factories import build

    data = clean_data()
    data["responses"] = [r for r in data["responses"] if r["criterion"] != "S11-1.1"]
    workbook = tmp_path / "police.xlsx"
    content = write_return_file(build(data), "xlsx", registry=registry)
    assert isinstance(content, bytes)
    workbook.write_bytes(content)
    receipt = tmp_path / "police-checked.xlsx"
    code, _, err = run(capsys, "validate", str(workbook), "--receipt", str(receipt))
    assert code == 1  # the missing mandatory response is a warning
    assert f"wrote {receipt} (1 problem marked)" in err
    book = openpyxl.load_workbook(receipt)
    assert "Problems" in book.sheetnames
    cells = [str(c.value) for row in book["Problems"].iter_rows() for c in row if c.value]
    assert any("S11-1.1" in text for text in cells)


# what a command wrote -----------------------------------------------------------------------


def test_commands_say_what_they_wrote_only_for_files(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    path = write_return()
    out_file = tmp_path / "out" / "result.json"
    code, out, err = run(capsys, "evaluate", str(path), "--format", "json", "-o", str(out_file))
    assert (code, out, err) == (0, "", f"wrote {out_file} (1 evaluation)\n")
    code, out, err = run(capsys, "evaluate", str(path), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["agency"]["id"] == "agency-a"
    template = tmp_path / "police.xlsx"
    code, _, err = run(capsys, "template", "s11-key-features", "-o", str(template))
    assert code == 0
    assert err.startswith(f"wrote {template} (xlsx, s11-key-features ")
    assert template.stat().st_size > 0
    code, _, err = run(capsys, "schema", "--write", str(tmp_path / "schemas"))
    assert (code, err) == (0, f"wrote {tmp_path / 'schemas'} ({len(SCHEMAS)} schemas)\n")


# pipes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "evaluate examples/partnership/2025 --format json",  # ~300 KB: the pipe really breaks
        "evaluate examples/partnership/2025 --format csv",
        "-v standards show s11-wt2023",
        "rules",
    ],
)
def test_a_pipe_into_head_is_quiet_and_exits_0(command: str) -> None:
    result = subprocess.run(
        [
            "bash",
            "-o",
            "pipefail",
            "-c",
            f"'{sys.executable}' -m safeguard_qa --no-entry-points {command} | head -n 1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stderr.splitlines() if not line.startswith("safeguard-qa:")]
    assert errors == []  # only -v's log lines, never "Broken pipe" or a traceback
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1


# plugin folders --------------------------------------------------------------------------------


def rule_ids(capsys: pytest.CaptureFixture[str], *args: str) -> set[str]:
    code, out, err = run(capsys, *args, "rules", "--format", "json")
    assert code == 0, err
    return {rule["id"] for rule in json.loads(out)}


def test_every_plugins_dir_loads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = rule_plugin(tmp_path / "one", "first", "local-first")
    second = rule_plugin(tmp_path / "two", "second", "local-second")
    third = rule_plugin(tmp_path / "three", "third", "local-third")
    found = rule_ids(capsys, "--plugins-dir", str(first), "--plugins-dir", str(second))
    assert {"local-first", "local-second"} <= found
    # before and after the command, together
    code, out, _ = run(
        capsys,
        "--plugins-dir",
        str(first),
        "rules",
        "--plugins-dir",
        str(third),
        "--format",
        "json",
    )
    assert code == 0
    assert {"local-first", "local-third"} <= {rule["id"] for rule in json.loads(out)}


def test_plugins_dirs_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = rule_plugin(tmp_path / "one", "first", "env-first")
    second = rule_plugin(tmp_path / "two", "second", "env-second")
    monkeypatch.setenv("SAFEGUARD_QA_PLUGINS_DIR", f"{first}{os.pathsep}{second}")
    assert {"env-first", "env-second"} <= rule_ids(capsys)


def test_plugins_in_the_working_folder_never_load_unasked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule_plugin(tmp_path / "plugins", "sneaky", "sneaky-rule")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAFEGUARD_QA_PLUGINS_DIR", raising=False)
    assert "sneaky-rule" not in rule_ids(capsys)
    assert "sneaky-rule" in rule_ids(capsys, "--plugins-dir", "plugins")


# rules --------------------------------------------------------------------------------------------


def test_rules_lists_every_rule_with_params(
    capsys: pytest.CaptureFixture[str], registry: Registry, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    listing = {rule["id"]: rule for rule in json.loads(out)}
    assert set(listing) == set(registry.rules)
    stale = listing["evidence-stale"]
    assert (stale["severity"], stale["plugin"]) == ("medium", "rules")
    assert stale["title"] == registry.rules["evidence-stale"].title
    assert stale["params"] == [
        {
            "name": "max_age_days",
            "type": "int",
            "required": False,
            "default": 730,
            "description": stale["params"][0]["description"],
        }
    ]
    roles = listing["signoff-role"]["params"][0]
    assert (roles["name"], roles["type"]) == ("accepted_roles", "tuple[str, ...]")
    assert "headteacher" in roles["default"]
    assert listing["signoff-missing"]["params"] == []

    folder = rule_plugin(tmp_path / "plugins", "house", "local-house-rule")
    code, out, _ = run(capsys, "--plugins-dir", str(folder), "rules")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "local.house" in lines["local-house-rule"]
    assert "max_age_days: int = 730" in lines["evidence-stale"]
    assert "medium" in lines["evidence-stale"]
