"""A coordinator's folder of many returns: one broken return need not stop the rest
(--keep-going), and a file changed between the two passes is never evaluated unchecked."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from safeguard_qa.api import iter_evaluations
from safeguard_qa.cli import ExitCode, main
from safeguard_qa.engine import Engine
from safeguard_qa.errors import ReturnError
from safeguard_qa.io import write_return
from safeguard_qa.plugins import Registry
from tests.factories import build


def _folder(tmp_path: Path, clean_data: Any, registry: Registry) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    for agency in ("agency-a", "agency-b"):
        text = write_return(build(clean_data(agency_id=agency)), "yaml", registry=registry)
        (folder / f"{agency}.yaml").write_text(str(text), encoding="utf-8")
    (folder / "broken.yaml").write_text("framework: s11-wt2023\nagency: [\n", encoding="utf-8")
    return folder


def test_keep_going_evaluates_the_rest_and_exits_2(
    tmp_path: Path, clean_data: Any, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, clean_data, registry)
    out = tmp_path / "results.json"
    assert (
        main(["--no-entry-points", "evaluate", str(folder), "--format", "json", "-o", str(out)])
        == 2
    )
    assert not out.exists()  # without --keep-going, one broken return refuses the run
    capsys.readouterr()
    code = main(
        [
            "--no-entry-points",
            "evaluate",
            str(folder),
            "--keep-going",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_INPUT
    assert [e["agency"]["id"] for e in json.loads(out.read_text(encoding="utf-8"))] == [
        "agency-a",
        "agency-b",
    ]
    assert "broken.yaml" in err
    assert "1 return refused and left out; the others were evaluated" in err


def test_a_file_changed_between_the_passes_is_refused(
    tmp_path: Path, clean_data: Any, registry: Registry
) -> None:
    folder = _folder(tmp_path, clean_data, registry)
    (folder / "broken.yaml").unlink()
    files = sorted(folder.iterdir())
    evaluations = iter_evaluations(files, engine=Engine(registry), keep_in_memory=0)
    first = next(evaluations)  # both files were checked; the first is evaluated
    assert first.agency.id == "agency-a"
    changed = files[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    os.utime(changed, ns=(1, 1))
    with pytest.raises(ReturnError, match="the file changed while the returns were being"):
        next(evaluations)
