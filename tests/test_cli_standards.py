"""Frameworks with no code, from the command line: standards new/check/show, frameworks by
path and from folders, and a partnership officer's whole path from a blank starter to a pack."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.cli import main
from safeguard_qa.cli.standards import starter_framework

STARTER_ID = "my-partnership-s11"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-entry-points", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    path = tmp_path / "frameworks" / "mine.yaml"
    path.parent.mkdir()
    path.write_text(starter_framework(), encoding="utf-8")
    return path


def framework_with(path: Path, **changes: Any) -> Path:
    """A copy of the starter framework with top-level fields changed."""
    data = yaml.safe_load(starter_framework())
    data.update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# standards new -------------------------------------------------------------------------------


def test_standards_new_explains_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "standards", "new")
    assert (code, err) == (0, "")
    assert out == starter_framework()
    comments = "\n".join(line for line in out.splitlines() if line.lstrip().startswith("#"))
    for field in (
        "id",
        "version",
        "kind",
        "title",
        "legal_basis",
        "sources",
        "applies_to",
        "scale",
        "standards",
        "text",
        "guidance",
        "evidence_prompts",
        "challenge_questions",
        "references",
        "mandatory",
        "statutory",
        "weight",
        "tags",
        "answer",
        "descriptors",
        "descriptors_cumulative",
        "direction",
    ):
        assert re.search(rf"\b{field}\b", comments), f"{field} is not explained in a comment"
    data = yaml.safe_load(out)
    answers = [c["answer"]["type"] for s in data["standards"] for c in s["criteria"]]
    assert answers == ["rating", "yes_no", "numeric"]
    assert len(data["standards"]) == 2
    assert "# scale:\n#   id: my-scale" in out  # the inline scale, commented out


def test_standards_new_writes_a_file_and_never_overwrites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "standards" / "ours.yaml"
    code, out, err = run(capsys, "standards", "new", "-o", str(path))
    assert (code, out) == (0, "")
    assert err.startswith(f"wrote {path} (a starter framework")
    assert path.read_text(encoding="utf-8") == starter_framework()
    path.write_text("id: edited\n", encoding="utf-8")
    code, _, err = run(capsys, "standards", "new", "-o", str(path))
    assert code == 2
    assert f"{path}: the file exists" in err
    assert path.read_text(encoding="utf-8") == "id: edited\n"


def test_the_inline_scale_example_is_valid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Uncommenting the inline scale (and dropping `scale: rag`) still passes the check."""
    lines = starter_framework().splitlines()
    start = lines.index("# scale:")
    end = next(i for i in range(start, len(lines)) if lines[i] == "scale: rag")
    inline = [line.removeprefix("# ") for line in lines[start:end] if line.startswith("# ")]
    text = "\n".join([*lines[:start], *inline, *lines[end + 1 :]]) + "\n"
    text = text.replace("red: No senior", "not_in_place: No senior")
    text = text.replace("amber: A lead", "partly: A lead")
    text = text.replace("green: The lead", "in_place: The lead")
    path = tmp_path / "inline.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "standards", "check", str(path))
    assert code == 0, err
    assert out.startswith(f"{path}: ok")


# standards check ------------------------------------------------------------------------------


def test_standards_check_passes_the_starter(
    capsys: pytest.CaptureFixture[str], starter: Path
) -> None:
    code, out, err = run(capsys, "standards", "check", str(starter))
    assert code == 0
    assert out == f"{starter}: ok ({STARTER_ID} 2025.1, 3 criteria)\n"
    assert err == "1 framework: 1 ok, 0 with errors\n"


def test_standards_check_reports_every_problem_of_every_file(
    capsys: pytest.CaptureFixture[str], starter: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load(starter_framework())
    data["scale"] = "purple"
    data["standards"][0]["criteria"][1]["weight"] = 0
    data["standards"][1]["criteria"][0]["answer"]["green"] = "ninety"
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "standards", "check", str(starter), str(two), str(empty))
    assert code == 2
    assert out == f"{starter}: ok ({STARTER_ID} 2025.1, 3 criteria)\n"
    lines = err.splitlines()
    assert lines[-1] == "3 frameworks: 1 ok, 2 with errors"
    two_lines = [line for line in lines if line.startswith(f"{two}: ")]
    assert len(two_lines) == 2, two_lines  # the weight and the threshold, placed
    assert any("S-1.2" in line and "weight" in line for line in two_lines)
    assert any("S-2.1" in line and "green" in line for line in two_lines)
    assert any(line.startswith(f"{empty}: ") and "empty" in line for line in lines)
    # once the model errors are mended, the unknown scale is reported
    data["standards"][0]["criteria"][1]["weight"] = 1
    data["standards"][1]["criteria"][0]["answer"]["green"] = 90
    two.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, _, err = run(capsys, "standards", "check", str(two))
    assert code == 2
    assert f"{two}: scale: unknown scale 'purple'" in err


def test_standards_check_of_a_folder(capsys: pytest.CaptureFixture[str], starter: Path) -> None:
    framework_with(starter.parent / "other.yml", id="other-framework")
    (starter.parent / "notes.txt").write_text("not a framework", encoding="utf-8")
    code, out, err = run(capsys, "standards", "check", str(starter.parent))
    assert code == 0
    assert err == "2 frameworks: 2 ok, 0 with errors\n"
    assert "other-framework" in out


# frameworks by path and from folders -----------------------------------------------------------


def test_a_framework_file_works_wherever_an_id_does(
    capsys: pytest.CaptureFixture[str], starter: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "standards", "show", str(starter))
    assert code == 0
    assert f"My partnership Section 11 self-assessment ({STARTER_ID} 2025.1)" in out
    assert "S-2.1" in out
    blank = tmp_path / "blank.csv"
    code, _, err = run(capsys, "template", str(starter), "-o", str(blank))
    assert code == 0
    assert err == f"wrote {blank} (csv, {STARTER_ID} 2025.1, 3 criteria)\n"
    assert "S-1.2" in blank.read_text(encoding="utf-8")


def test_a_bad_framework_file_is_placed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = framework_with(tmp_path / "bad.yaml", scale="purple")
    code, _, err = run(capsys, "template", str(bad))
    assert code == 2
    assert f"{bad}: scale: unknown scale 'purple'" in err


def listed_ids(capsys: pytest.CaptureFixture[str], *args: str) -> set[str]:
    code, out, err = run(capsys, *args, "standards", "list")
    assert code == 0, err
    return {line.split()[0] for line in out.splitlines()[2:] if line.strip()}


def test_frameworks_from_standards_folders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("local", "given", "env-a", "env-b"):
        folder = tmp_path / name
        folder.mkdir()
        framework_with(folder / f"{name}.yaml", id=f"fw-{name}")
    monkeypatch.delenv("SAFEGUARD_QA_STANDARDS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert "fw-local" not in listed_ids(capsys)  # no ./standards here
    (tmp_path / "local").rename(tmp_path / "standards")
    assert {"fw-local", "s11-wt2023"} <= listed_ids(capsys)
    assert "fw-given" in listed_ids(capsys, "--standards-dir", "given")
    monkeypatch.setenv(
        "SAFEGUARD_QA_STANDARDS", f"{tmp_path / 'env-a'}{os.pathsep}{tmp_path / 'env-b'}"
    )
    assert {"fw-local", "fw-env-a", "fw-env-b"} <= listed_ids(capsys)


# evaluate --framework ---------------------------------------------------------------------------


def filled_return(blank: str, agency_id: str = "northshire-police") -> str:
    """The YAML template filled in as an agency would."""
    data = yaml.safe_load(blank)
    data["agency"].update(id=agency_id, name="Northshire Police", type="police")
    data["period"] = {"start": "2024-04-01", "end": "2025-03-31"}
    data.update(submitted="2025-04-20", deadline="2025-04-30")
    data["sign_off"] = {"name": "A. Signer", "role": "Chief Constable", "date": "2025-04-18"}
    rating, yes_no, figure = data["responses"]
    rating.update(
        rating="green",
        commentary="The lead reports to the board twice a year.",
        evidence=[{"description": "Board minutes", "reference": "BM-12", "date": "2025-01-10"}],
    )
    yes_no.update(rating="yes", evidence=[{"description": "Policy", "date": "2025-02-01"}])
    figure.update(
        value=82,
        actions=[
            {
                "description": "Refresher sessions for the teams below target",
                "owner": "Training lead",
                "due": "2025-09-30",
                "status": "in_progress",
            }
        ],
    )
    return yaml.safe_dump(data, sort_keys=False)


def test_evaluate_against_a_framework_file(
    capsys: pytest.CaptureFixture[str], starter: Path, tmp_path: Path
) -> None:
    code, blank, _ = run(capsys, "template", str(starter), "--format", "yaml")
    assert code == 0
    ret = tmp_path / "police.yaml"
    ret.write_text(filled_return(blank), encoding="utf-8")
    code, out, _ = run(
        capsys, "evaluate", str(ret), "--framework", str(starter), "--format", "json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["framework"] == {"id": STARTER_ID, "version": "2025.1"}
    assert [f["rule"] for f in result["flags"]] == ["indicator-threshold"]
    # without the framework the return names a framework that is not installed
    code, _, err = run(capsys, "evaluate", str(ret))
    assert code == 2
    assert f"framework {STARTER_ID} 2025.1 is not installed" in err


def test_evaluate_refuses_a_return_of_another_framework(
    capsys: pytest.CaptureFixture[str], starter: Path, tmp_path: Path, clean_data: Any
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(clean_data()), encoding="utf-8")
    out_file = tmp_path / "out.json"
    code, _, err = run(
        capsys, "evaluate", str(other), "--framework", str(starter), "-o", str(out_file)
    )
    assert code == 2
    assert f"{other}: framework: the return answers s11-wt2023" in err
    assert f"--framework gives {STARTER_ID} 2025.1" in err
    assert not out_file.exists()


# the whole path, with no Python -----------------------------------------------------------------


def test_from_a_blank_starter_to_a_pack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inputs are named as a user would, relative to the working folder; outputs absolute
    # (the test guard in conftest cannot yet place a relative rename).
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAFEGUARD_QA_STANDARDS", raising=False)
    assert run(capsys, "standards", "new", "-o", str(tmp_path / "standards" / "ours.yaml"))[0] == 0
    code, _, err = run(capsys, "standards", "check", "standards/ours.yaml")
    assert (code, err) == (0, "1 framework: 1 ok, 0 with errors\n")
    code, blank, _ = run(capsys, "template", "standards/ours.yaml", "--format", "yaml")
    assert code == 0
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "police.yaml").write_text(filled_return(blank), encoding="utf-8")
    # ./standards is read by itself: the return names the framework by its id
    code, _, err = run(capsys, "validate", "returns")
    assert (code, err) == (0, "1 file: 1 ok, 0 with warnings, 0 with errors\n")
    code, out, _ = run(capsys, "evaluate", "returns", "--framework", "standards/ours.yaml")
    assert code == 0
    assert "Overall: self AMBER, assured AMBER" in out
    pack = tmp_path / "out" / "pack.html"
    code, _, _ = run(capsys, "partnership", "returns", "--format", "html", "-o", str(pack))
    assert code == 0
    html = pack.read_text(encoding="utf-8")
    assert "Northshire Police" in html
    assert STARTER_ID in html
    assert "A. Signer" not in html


def test_show_gives_descriptors_and_references(capsys: pytest.CaptureFixture[str]) -> None:
    from safeguard_qa.cli import main

    assert main(["--no-entry-points", "standards", "show", "macfa-practice"]) == 0
    out = capsys.readouterr().out
    assert "  practice.voice:\n    descriptors:" in out
    assert "      outstanding: " in out
    assert main(["--no-entry-points", "standards", "show", "s175-kcsie"]) == 0
    assert "    references: " in capsys.readouterr().out
