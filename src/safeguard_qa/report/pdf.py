"""The challenge-event pack as an A4 PDF, printed from the HTML pack by headless Chromium.

Why Chromium and not WeasyPrint: Chromium is already what the pack is checked in (the
browser test in CI renders it), so the PDF is the page exactly as tested, grid layout,
inline SVG and print CSS included; and it adds no Python dependency (WeasyPrint would bring
Pango, cairo and their system libraries to every install, for one output format). The cost
is that Chromium must be installed where PDFs are made; without it this format is a clear
error (exit 2) and the ``html`` format, printed from any browser, gives the same pages.

The browser is found as ``$SAFEGUARD_QA_CHROMIUM`` (a path or a command name), else the
first of ``chromium``, ``chromium-browser``, ``google-chrome`` on the ``PATH``. It runs on a
private temporary profile with networking features off; the page's CSP allows no script
and no fetch, so printing it reads nothing but the page. Chromium stamps the PDF with the
time it ran: the stamp is replaced by the report's as-of date, so the same report with the
same Chromium gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.errors import ConfigurationError
from safeguard_qa.report import html
from safeguard_qa.report.base import RenderOptions

CHROMIUM_ENV = "SAFEGUARD_QA_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180
"""Seconds to wait for Chromium to print: a region's pack runs to hundreds of pages."""
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI and containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",  # the same, as older Chromium releases spell it
)
_STAMP = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


def render_partnership(report: PartnershipReport, options: RenderOptions) -> bytes:
    """The HTML pack printed to PDF (A4, the pack's own print CSS)."""
    browser = find_chromium()
    page = html.render_partnership(report, options)
    with tempfile.TemporaryDirectory(prefix="safeguard-qa-pdf-") as folder:
        source, target = Path(folder) / "pack.html", Path(folder) / "pack.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            result = subprocess.run(  # noqa: S603 - our own command line, no shell
                command, capture_output=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise _error(f"Chromium did not finish printing within {TIMEOUT} s") from None
        if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            raise _error(f"Chromium ({browser}) could not print the pack: exit {result.returncode}")
        return steady(target.read_bytes(), report.as_of)


def find_chromium() -> str:
    """The Chromium to print with; a ConfigurationError naming what was looked for."""
    given = os.environ.get(CHROMIUM_ENV, "").strip()
    if given:
        found = shutil.which(given)
        if found is None:
            raise _error(f"${CHROMIUM_ENV} is {given!r}, which is not an executable program")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise _error(
        f"the pdf format needs Chromium or Chrome, and none was found ({', '.join(CHROMIUM_NAMES)} "
        f"on the PATH, or ${CHROMIUM_ENV}); install it, or write --format html and print that"
    )


def steady(pdf: bytes, as_of: dt.date | None) -> bytes:
    """``pdf`` with its creation and modification stamps set to ``as_of`` (midnight UTC).
    The new stamp has the same length as Chromium's, so no byte offset in the file moves."""
    day = (as_of or dt.date(2000, 1, 1)).strftime("%Y%m%d").encode()

    def stamp(match: re.Match[bytes]) -> bytes:
        old = match.group(0)
        new = b"/" + match.group(1) + b" (D:" + day + b"000000+00'00')"
        return new if len(new) == len(old) else old

    return _STAMP.sub(stamp, pdf)


def _error(message: str) -> ConfigurationError:
    return ConfigurationError.single("--format pdf", "", message)
