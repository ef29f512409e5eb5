"""The audit findings report and learning briefing: escaping, accessibility, no personal data,
the reviewer's form round trip, and the audit CLI's exit codes."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.audit import (
    AuditError,
    AuditRound,
    audit_findings,
    learning_briefing,
    load_round,
    read_reviewer_form,
    render_briefing,
    render_findings,
    reviewer_form,
)
from safeguard_qa.audit.loaders import tool_scale
from safeguard_qa.cli import audit as audit_cli
from safeguard_qa.cli import commands, main
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "audit"
AS_OF = dt.date(2025, 11, 1)
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def audit_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit command, whether or not cli/commands.py lists it yet."""
    if audit_cli not in commands.MODULES:
        monkeypatch.setattr(commands, "MODULES", (*commands.MODULES, audit_cli))


def example(registry: Registry) -> Any:
    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    previous = load_round(EXAMPLE / "2024-neglect.yaml", registry)
    return audit_findings(audit, registry=registry, previous=previous, as_of=AS_OF)


def hostile(registry: Registry) -> Any:
    data = yaml.safe_load((EXAMPLE / "2025-neglect.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["agencies"][0]["name"] = f"Council {SCRIPT}"
    data["meeting"]["learning"][0]["text"] = f"Learning {SCRIPT} | *bold*"
    data["meeting"]["recommendations"][0]["owner"] = "=HYPERLINK(1) <b>"
    audit = AuditRound.model_validate(data)
    return audit_findings(audit, registry=registry, as_of=AS_OF)


def test_html_escapes_and_allows_no_script(registry: Registry) -> None:
    findings = hostile(registry)
    for page in (
        render_findings(findings, "html", as_of=AS_OF),
        render_briefing(learning_briefing(findings, registry=registry), "html"),
    ):
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page
        assert "script-src" not in page
        assert "default-src 'none'" in page
        assert '<html lang="en-GB">' in page
        assert "<script" not in page


def test_markdown_escapes(registry: Registry) -> None:
    findings = hostile(registry)
    text = render_findings(findings, "markdown", as_of=AS_OF)
    assert SCRIPT not in text
    assert "\\*bold\\*" in text
    assert "\\|" in text


def test_report_is_accessible_and_grades_are_words(registry: Registry) -> None:
    page = render_findings(example(registry), "html", as_of=AS_OF)
    assert page.count("<caption>") >= 6
    assert '<th scope="col">' in page
    assert '<th scope="row">' in page
    assert 'class="grade grade-inadequate">Inadequate</span>' in page
    assert "@page { size: A4" in page
    assert "fewer than 5" in page  # police and housing rest on fewer than five cases
    assert "4 of 6 (67%)" in page
    assert "down 43 points" in page


def test_report_holds_no_reviewer_roles_or_concern_narratives(registry: Registry) -> None:
    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    findings = example(registry)
    outputs = [
        render_findings(findings, fmt, as_of=AS_OF) for fmt in ("html", "markdown", "json")
    ] + [render_briefing(learning_briefing(findings, registry=registry), "html")]
    assert audit.meeting is not None
    for text in outputs:
        assert "Detective sergeant" not in text
        assert audit.meeting.concerns[1].summary not in text
        assert audit.reviews[0].strengths not in text


def test_json_is_data(registry: Registry) -> None:
    import json

    data = json.loads(render_findings(example(registry), "json", as_of=AS_OF))
    police = next(a for a in data["by_agency"] if a["agency"] == "northshire-police")
    assert police["share"] == {
        "cases": None,
        "grades": None,
        "good_or_better": None,
        "share": None,
        "suppressed": True,
        "previous_share": None,
        "change": None,
    }


def test_reviewer_form_round_trip(tmp_path: Path, registry: Registry) -> None:
    from openpyxl import load_workbook

    audit = load_round(EXAMPLE / "2025-neglect.yaml", registry)
    tool = registry.framework("macfa-practice")
    scale = tool_scale(tool, registry)
    path = tmp_path / "form.xlsx"
    path.write_bytes(reviewer_form(audit, tool, scale, "northshire-police"))
    book = load_workbook(path)
    assert book.sheetnames == ["C-1", "C-3", "C-5", "C-6"]
    sheet = book["C-3"]
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"Outstanding,Good,Requires improvement,Inadequate"'
    sheet["B4"] = "Detective sergeant"
    sheet["B5"] = "yes"
    sheet["C12"] = "Requires improvement"  # practice.voice
    sheet["D12"] = "Child's account not recorded."
    for name in ("C-1", "C-5", "C-6"):
        book[name]["B4"] = "Detective sergeant"
    book.save(path)
    reviews = read_reviewer_form(path, scale)
    review = next(r for r in reviews if r.case == "C-3")
    assert review.practitioner_involved is True
    assert review.grades["practice.voice"].grade == "requires_improvement"
    assert review.grades["practice.voice"].evidence == "Child's account not recorded."
    sheet["C13"] = "Brilliant"
    sheet["D12"] = "Seen with Mrs Jones."
    book.save(path)
    with pytest.raises(AuditError) as caught:
        read_reviewer_form(path, scale)
    found = [f"{p.place}: {p.message}" for p in caught.value.problems]
    assert found[0].startswith("sheet C-3 › cell C13: the grade is not on the scale")
    assert found[1].startswith("sheet C-3 › domain practice.voice › evidence: this text looks")
    assert all("Jones" not in p for p in found)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = str(EXAMPLE / "2025-neglect.yaml")
    assert (
        main(
            [
                "audit",
                "validate",
                current,
                str(EXAMPLE / "programme.yaml"),
                str(EXAMPLE / "practitioner-survey-2025.yaml"),
            ]
        )
        == 0
    )
    data = yaml.safe_load(Path(current).read_text(encoding="utf-8"))
    data["round"]["sample_size"] = 7
    warn = tmp_path / "warn.yaml"
    warn.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["audit", "validate", str(warn)]) == 1
    data["cases"][0]["name"] = "Someone"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    capsys.readouterr()
    assert main(["audit", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "case C-1 › name: unknown field 'name'" in err
    assert "Traceback" not in err
    out = tmp_path / "report.md"
    args = [
        "audit",
        "report",
        current,
        "--previous",
        str(EXAMPLE / "2024-neglect.yaml"),
        "--as-of",
        "2025-11-01",
        "--format",
        "markdown",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    assert out.read_text(encoding="utf-8").startswith("# Case-file audit findings: neglect")
    assert main([*args, "--fail-on", "high"]) == 1
    assert main(["audit", "report", str(bad)]) == 2
    brief = tmp_path / "briefing.html"
    assert main(["audit", "briefing", current, "-o", str(brief)]) == 0
    assert "What good looks like" in brief.read_text(encoding="utf-8")
    form = tmp_path / "form.xlsx"
    assert (
        main(["audit", "template", current, "--agency", "northshire-homes", "-o", str(form)]) == 0
    )
    assert main(["audit", "validate", str(form)]) == 2  # a blank form has no reviewer role
    assert main(["audit", "template", current, "--agency", "nobody", "-o", str(form)]) == 2


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_report_and_briefing_render_in_chromium(tmp_path: Path, registry: Registry) -> None:
    findings = example(registry)
    pages = {
        "report.html": render_findings(findings, "html", as_of=AS_OF),
        "briefing.html": render_briefing(learning_briefing(findings, registry=registry), "html"),
    }
    for name, text in pages.items():
        page = tmp_path / name
        page.write_text(text, encoding="utf-8")
        png = tmp_path / f"{name}.png"
        command = [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1240,1754",
            page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 50_000  # a blank page compresses to a few kilobytes
