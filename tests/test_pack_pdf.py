"""The pack as a PDF, printed by headless Chromium: made from the command line and its first
page looked at; a clear error when Chromium is missing."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from safeguard_qa.cli import main
from safeguard_qa.report import pdf
from tests.test_pack import _example_args, _example_copy

HAS_CHROMIUM = any(shutil.which(name) for name in pdf.CHROMIUM_NAMES)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--no-entry-points", "partnership", *args])
    _, err = capsys.readouterr()
    return code, err


def test_pdf_without_chromium_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _example_copy(tmp_path)
    out = tmp_path / "pack.pdf"
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, err = _run([*_example_args(folder), "--format", "pdf", "-o", str(out)], capsys)
    assert code == 2
    assert "the pdf format needs Chromium or Chrome, and none was found" in err
    assert "--format html" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_named_chromium_that_is_not_there_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _example_copy(tmp_path)
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-such-browser"))
    code, err = _run(
        [*_example_args(folder), "--format", "pdf", "-o", str(tmp_path / "p.pdf")], capsys
    )
    assert code == 2
    assert "no-such-browser" in err
    assert "not an executable program" in err


def test_pdf_needs_an_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = _run([*_example_args(_example_copy(tmp_path)), "--format", "pdf"], capsys)
    assert code == 2
    assert "the pdf format is binary: give an output file with -o" in err


def test_steady_stamps_keep_every_offset() -> None:
    raw = (
        b"%PDF-1.4\n1 0 obj\n<</CreationDate (D:20261129183458+00'00')\n"
        b"/ModDate (D:20261129183458+00'00')>>"
    )
    out = pdf.steady(raw, dt.date(2025, 11, 28))
    assert len(out) == len(raw)
    assert out.count(b"(D:20251128000000+00'00')") == 2


def _page_count(data: bytes) -> int:
    """Pages in the PDF: the page tree's root holds the largest /Count."""
    counts = [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    pages = len(re.findall(rb"/Type /Page(?![s\w])", data))
    assert counts
    assert max(counts) == pages
    return pages


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="Chromium is not installed")
def test_pdf_pack_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the page, Chromium's profile and the PDF are made in the test's own folder
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = _example_copy(tmp_path)
    out = tmp_path / "pack.pdf"
    code, err = _run([*_example_args(folder), "--format", "pdf", "-o", str(out)], capsys)
    assert (code, err) == (0, f"wrote {out} (the partnership view, pdf)\n")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    # a contents page, the summary, the charts, a page or more per agency, the annexes
    agencies = sorted(p.stem for p in (folder / "2025").glob("*.yaml"))
    assert _page_count(data) >= 3 + len(agencies)
    assert b"/Title (Challenge-event pack: Northshire Safeguarding Children Partnership" in data
    # the contents list's links land on each agency's pages
    for ident in re.findall(r'href="#(agency-[^"]+)"', _html_of(folder, tmp_path, capsys)):
        assert f"/Dest /{ident}".encode() in data, ident
    assert b"(D:20251128000000+00'00')" in data  # stamped with the as-of date, not the clock
    _look_at_first_page(out, tmp_path)


def _html_of(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    page = tmp_path / "pack.html"
    code, _ = _run([*_example_args(folder), "--format", "html", "-o", str(page)], capsys)
    assert code == 0
    return page.read_text(encoding="utf-8")


def _look_at_first_page(out: Path, tmp_path: Path) -> None:
    """With poppler's tools where installed: the first page's text names the pack and the
    guide, and it renders to an image that is not blank."""
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Challenge-event pack" in text
        assert "How to read this pack" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", str(out), str(tmp_path / "p")],
            check=True,
        )
        png = next(tmp_path.glob("p*.png")).read_bytes()
        assert png.startswith(b"\x89PNG")
        assert len(png) > 5_000
