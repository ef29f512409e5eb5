"""The command line: exit codes, one line per problem, no tracebacks, safe output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.cli import ExitCode, exit_code, main
from safeguard_qa.schemas import SCHEMAS, schema_text
from tests.factories import with_changes

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "bad"


@pytest.fixture
def write_return(tmp_path: Path, clean_data: Any) -> Any:
    def write(changes: dict[str, Any] | None = None, name: str = "return.yaml", **kw: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(with_changes(clean_data(**kw), changes)), encoding="utf-8")
        return path

    return write


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-entry-points", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_code_order() -> None:
    assert exit_code(bad_input=True, flags_at_or_above=3) is ExitCode.BAD_INPUT
    assert exit_code(bad_input=False, flags_at_or_above=1) is ExitCode.FLAGS
    assert exit_code(bad_input=False, flags_at_or_above=0, warnings=1) is ExitCode.FLAGS
    assert exit_code(bad_input=False, flags_at_or_above=0) is ExitCode.OK


def test_standards_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "standards", "list")
    assert code == 0
    assert "s175-kcsie" in out
    assert "reversed4" in out
    code, out, _ = run(capsys, "standards", "show", "s175-kcsie")
    assert code == 0
    assert "S175-1.1" in out
    assert "keeping children safe in education" in out.lower()  # the title, not only the id


def test_show_unknown_framework_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "standards", "show", "nope")
    assert code == 2
    assert "framework nope is not installed" in err


def test_validate_clean_warning_and_error(
    capsys: pytest.CaptureFixture[str], write_return: Any
) -> None:
    code, out, _ = run(capsys, "validate", str(write_return()))
    assert (code, out.strip().endswith(": ok")) == (0, True)
    path = write_return({"responses": {"S11-1.1": None}}, name="incomplete.yaml")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1
    assert "criterion S11-1.1: warning: no response to a mandatory criterion" in err
    code, _, err = run(capsys, "validate", str(BAD / "returns" / "wrong-types.yaml"))
    assert code == 2
    *problems, summary = err.strip().splitlines()
    assert len(problems) == 4
    assert summary == "1 file: 0 ok, 0 with warnings, 1 with errors"
    assert "Traceback" not in err


def test_evaluate_table_and_fail_on(capsys: pytest.CaptureFixture[str], write_return: Any) -> None:
    clean = write_return()
    code, out, _ = run(capsys, "evaluate", str(clean))
    assert code == 0
    assert "Overall: self GREEN, assured GREEN" in out
    low_only = write_return(
        {
            "responses": {
                "S11-1.1": {"actions": [{"description": "x", "owner": "Lead", "due": "2025-09-01"}]}
            }
        },
        name="low.yaml",
    )
    assert run(capsys, "evaluate", str(low_only))[0] == 0  # a low flag is under --fail-on high
    assert run(capsys, "evaluate", str(low_only), "--fail-on", "low")[0] == 1
    high = write_return({"responses": {"S11-1.1": {"evidence": []}}}, name="high.yaml")
    code, out, _ = run(capsys, "evaluate", str(high))
    assert code == 1
    assert "Challenge agenda" in out


def test_evaluate_json_is_deterministic(
    capsys: pytest.CaptureFixture[str], write_return: Any
) -> None:
    path = write_return({"responses": {"S11-1.1": {"evidence": []}}})
    first = run(capsys, "evaluate", str(path), "--format", "json")[1]
    second = run(capsys, "evaluate", str(path), "--format", "json")[1]
    assert first == second
    data = json.loads(first)
    assert {"overall", "standards", "criteria", "flags"} <= set(data)
    assert data["flags"][0]["criterion"] == "S11-1.1"
    assert data["overall"]["assured_rag"] in ("red", "amber", "green", "blue")
    assert "A. Person" not in first, "the signer's name never appears in a report"


def test_evaluate_several_returns_are_peers(
    capsys: pytest.CaptureFixture[str], write_return: Any
) -> None:
    paths = [
        write_return({"responses": {"S11-1.1": {"rating": "blue"}}}, name="a.yaml", agency_id="a"),
        *[
            write_return(
                {
                    "responses": {
                        "S11-1.1": {
                            "rating": "red",
                            "actions": [{"description": "x", "owner": "o", "due": "2025-09-01"}],
                        }
                    }
                },
                name=f"{n}.yaml",
                agency_id=n,
            )
            for n in ("b", "c", "d")
        ],
    ]
    code, out, _ = run(capsys, "evaluate", *map(str, paths), "--format", "json")
    assert code == 0  # the peer flag on the blue rating is medium, under --fail-on high
    data = json.loads(out)
    assert len(data) == 4
    assert any(f["rule"] == "peer-outlier" for f in data[0]["flags"])


def test_evaluate_with_previous(capsys: pytest.CaptureFixture[str], write_return: Any) -> None:
    now = write_return(name="now.yaml")
    before = write_return({"responses": {"S11-1.1": {"rating": "red"}}}, name="before.yaml")
    code, out, _ = run(capsys, "evaluate", str(now), "--previous", str(before), "--format", "json")
    assert code == 0  # both flags are under the default --fail-on high
    rules = {f["rule"] for f in json.loads(out)["flags"]}
    assert {"rating-moved", "carried-forward"} <= rules


def test_bad_policy_exits_2_with_place(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  evidence-stale:\n    params: {max_age: 3}\n", encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(write_return()), "--policy", str(policy))
    assert code == 2
    assert f"{policy}: rules › evidence-stale › params › max_age: unknown field" in err


def test_output_is_atomic_and_never_an_input(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    path = write_return()
    before = path.read_bytes()
    code, _, err = run(capsys, "evaluate", str(path), "-o", str(path))
    assert code == 2
    assert "the output file is one of the inputs" in err
    assert path.read_bytes() == before
    out = tmp_path / "reports" / "result.json"
    assert run(capsys, "evaluate", str(path), "--format", "json", "-o", str(out))[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["agency"]["id"] == "agency-a"
    assert [p.name for p in out.parent.iterdir()] == ["result.json"]  # no temp files left


def test_bad_input_never_leaves_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    code, _, _ = run(capsys, "evaluate", str(BAD / "returns" / "wrong-types.yaml"), "-o", str(out))
    assert code == 2
    assert not out.exists()


def test_unknown_format(capsys: pytest.CaptureFixture[str], write_return: Any) -> None:
    code, _, err = run(capsys, "evaluate", str(write_return()), "--format", "pdf")
    assert code == 2
    assert "unknown format 'pdf'" in err


def test_folder_of_returns(capsys: pytest.CaptureFixture[str], write_return: Any) -> None:
    path = write_return()
    code, out, _ = run(capsys, "validate", str(path.parent))
    assert code == 0
    assert out.count(": ok") == 1


def test_plugins_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plugins")
    assert code == 0
    assert "evidence-missing" in out
    assert "worst_of" in out


def test_schemas_are_committed_and_current(capsys: pytest.CaptureFixture[str]) -> None:
    for name in SCHEMAS:
        committed = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
        assert committed == schema_text(name), f"schemas/{name}.schema.json is stale: make schemas"
    code, out, _ = run(capsys, "schema", "return")
    assert code == 0
    assert json.loads(out)["title"] == "Return"


def test_module_entry_point_runs_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "safeguard_qa", "--no-entry-points", "validate", "missing.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "missing.yaml: no such file",
        "1 file: 0 ok, 0 with warnings, 1 with errors",
    ]


def test_missing_required_plugin_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--plugin", "nowhere", "standards", "list")
    assert code == 2
    assert err.strip() == "error: plugin(s) asked for but not installed: nowhere"


def test_unwritable_output_exits_2(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "evaluate", str(write_return()), "-o", str(blocker / "out.json"))
    assert code == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_a_rule_that_raises_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], write_return: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "boom.py").write_text(
        "from safeguard_qa import Rule, Severity, hookimpl\n\n"
        "class Boom(Rule):\n"
        "    id = 'boom'\n    title = 'Boom'\n    severity = Severity.LOW\n    question = '?'\n\n"
        "    def check(self, ctx, params):\n        raise KeyError('x')\n\n"
        "@hookimpl\ndef register_rules(register):\n    register(Boom())\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    path = write_return()
    code, _, err = run(capsys, "--plugins-dir", str(folder), "evaluate", str(path), "-o", str(out))
    assert code == 2
    assert (
        "error: rule boom (plugin local.boom) failed on return agency-a/s11-wt2023/2025-03-31"
        in err
    )
    assert not out.exists()


def test_schema_names_match_the_schemas() -> None:
    from safeguard_qa.cli.core import SCHEMA_NAMES

    assert tuple(sorted(SCHEMAS)) == SCHEMA_NAMES


def test_evaluate_does_not_import_excel_or_html_support(tmp_path: Path) -> None:
    """Start-up time matters for one-return runs: formats nobody asked for stay unloaded."""
    code = (
        "import sys; from safeguard_qa.cli import main; "
        "main(['--no-entry-points', 'evaluate', 'examples/returns/police.yaml', "
        "'-o', sys.argv[1]]); "
        "print(sorted(m for m in ('openpyxl', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out.txt")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().endswith("[]")
