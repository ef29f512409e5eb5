"""`make demo` runs examples/demo.py: it must work on the shipped data and say where the pack is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_scores_a_return_and_writes_the_pack(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 errors" in result.stdout
    assert "Overall: self" in result.stdout
    assert "Challenge agenda" in result.stdout
    pack = tmp_path / "out" / "challenge-pack.html"
    assert f"Challenge-event pack written to {pack.resolve()}" in result.stdout
    html = pack.read_text(encoding="utf-8")
    assert "Northshire Safeguarding Children Partnership" in html
    assert "triangulation-audit" in html or "Triangulation" in html
    assert "claims challenged for" in result.stdout
    findings = tmp_path / "out" / "audit-findings.html"
    briefing = tmp_path / "out" / "learning-briefing.html"
    assert f"Case-file audit findings written to {findings.resolve()}" in result.stdout
    assert "neglect" in findings.read_text(encoding="utf-8").casefold()
    assert briefing.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
