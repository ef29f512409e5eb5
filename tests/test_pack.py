"""The challenge-event pack: HTML (parsed back), Markdown, the example partnership, Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html import escape as html_escape
from pathlib import Path

import pytest
import yaml

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.cli import main
from safeguard_qa.engine.engine import Engine
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.plugins import Registry
from safeguard_qa.report import html, pack_markdown
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.pack_markdown import md, md_plain
from tests.factories import build
from tests.pack_html import parse
from tests.partnership_data import (
    INJECTION,
    SCRIPT,
    SIGNER,
    last_cycle,
    make_report,
    this_cycle,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "partnership"


# --- reading the HTML back ----------------------------------------------------------------


@pytest.fixture(scope="module")
def report(registry: Registry) -> PartnershipReport:
    return make_report(registry)


@pytest.fixture(scope="module")
def pack_html(report: PartnershipReport) -> str:
    return html.render_partnership(report, RenderOptions(show_self=True))


# --- the HTML pack ------------------------------------------------------------------------


def test_html_escapes_every_text_from_a_return(pack_html: str) -> None:
    parsed = parse(pack_html)
    assert "script" not in {tag for tag, _ in parsed.start_tags}
    assert not [
        (tag, name) for tag, attrs in parsed.start_tags for name in attrs if name.startswith("on")
    ]
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in pack_html
    assert SCRIPT in "".join(parsed.text)  # shown to the reader as text
    assert "Escalation route &lt;b&gt;not&lt;/b&gt; | used" in pack_html
    assert "<b>not</b>" not in pack_html


def test_html_forbids_scripts_even_if_escaping_failed(pack_html: str) -> None:
    parsed = parse(pack_html)
    csp = [a for t, a in parsed.start_tags if t == "meta" and a.get("http-equiv")]
    assert csp
    assert csp[0]["content"] is not None
    assert csp[0]["content"].startswith("default-src 'none'")


def test_html_is_accessible(pack_html: str) -> None:
    parsed = parse(pack_html)
    html_tag = next(a for t, a in parsed.start_tags if t == "html")
    assert html_tag["lang"] == "en-GB"
    assert parsed.tables
    for table in parsed.tables:
        assert table.caption.strip(), table.attrs
        headers = [c for row in table.rows for c in row if c.tag == "th"]
        assert headers
        assert all(c.attrs.get("scope") in ("col", "row") for c in headers), table.caption
    # every RAG badge says its rating in words or letters, never colour alone
    badges = re.findall(r'<span class="rag rag-(\w+)"[^>]*>(.*?)</span>', pack_html)
    assert badges
    assert all(re.sub(r"<[^>]+>", "", inner).strip() for _, inner in badges)


def test_html_heatmap_shows_each_agency_by_standard(
    pack_html: str, report: PartnershipReport
) -> None:
    heatmaps = parse(pack_html).tables_of("heatmap")
    assert [t.attrs["data-framework"] for t in heatmaps] == ["s11-wt2023", "s175-kcsie"]
    for table, view in zip(heatmaps, report.frameworks, strict=True):
        header = [c.text.strip() for c in table.rows[0]]
        assert header == ["Agency", "Overall", *(s.id for s in view.standards), "Since last cycle"]
        assert [row[0].text for row in table.body_rows()] == [r.name for r in view.heatmap]
    council = next(r for r in heatmaps[0].body_rows() if r[0].text == "Northshire Council")
    by_standard = {c.attrs.get("data-standard"): c.text for c in council}
    assert "Assured: Red" in by_standard["S11-5"]
    assert "Self: Red" in by_standard["S11-5"]
    assert "Assured: Amber" in by_standard["S11-2"]
    assert "Self: Green" in by_standard["S11-2"]
    assert "declined" in council[-1].text


def test_html_self_ratings_only_on_request(report: PartnershipReport) -> None:
    plain = parse(html.render_partnership(report, RenderOptions()))
    cells = [c.text for t in plain.tables_of("heatmap") for row in t.body_rows() for c in row]
    assert any("Assured:" in text for text in cells)
    assert not any("Self:" in text for text in cells)


def test_html_agenda_per_agency_in_the_engines_order(registry: Registry, pack_html: str) -> None:
    returns = [build(d) for d in this_cycle(registry).values()]
    previous = {a: build(d) for a, d in last_cycle(registry).items()}
    evaluations = Engine(registry).evaluate_many(returns, previous=previous)
    agendas = parse(pack_html).agendas
    for ev in evaluations:
        assert agendas[f"agency-{ev.agency.id}"] == list(ev.agenda), ev.agency.id
    assert agendas["agency-council"]
    assert agendas["agency-police"] == []


def test_html_agenda_item_has_evidence_question_and_room_for_notes(pack_html: str) -> None:
    council = pack_html.split('id="agency-council"')[1].split("</section>")[0]
    item = council.split('class="item"')[1]
    assert "<dt>Question</dt>" in item
    assert "<dt>Evidence cited</dt>" in item
    assert 'class="notes"' in item
    assert "What evidence shows this is met in practice" in council


def test_html_prints_an_agency_per_page(pack_html: str) -> None:
    assert "@page { size: A4" in pack_html
    assert ".page { break-before: page; page-break-before: always; }" in pack_html
    assert pack_html.count('class="agency page"') == 6


def test_html_status_and_actions_annexes(pack_html: str) -> None:
    parsed = parse(pack_html)
    status = parsed.tables_of("status")[0]
    names = [row[0].text for row in status.body_rows()]
    assert "Youth Justice Service" in names
    youth = next(row for row in status.body_rows() if row[0].text == "Youth Justice Service")
    assert youth[2].text == "no"
    actions = parsed.tables_of("actions")[0]
    first = actions.body_rows()[0]
    assert first[0].text == "Northshire ICB"
    assert "104 (overdue)" in first[-1].text
    assert first[2].text == INJECTION  # shown as typed; never a live formula in HTML


# --- the Markdown pack --------------------------------------------------------------------


def test_markdown_escapes_text_from_returns(report: PartnershipReport) -> None:
    text = pack_markdown.render_pack(report, RenderOptions(show_self=True))
    assert SCRIPT not in text
    assert "\\<script\\>alert('pwned')\\</script\\> DSL audit" in text
    assert "<b>" not in text
    assert "&lt;" not in text  # Markdown escapes, never HTML entities
    assert SIGNER not in text
    assert md_plain(INJECTION) in text
    assert "\\|" in md_plain(INJECTION)
    for block in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(widths) == 1, block  # an escaped pipe never adds a column


def test_markdown_has_each_agency_agenda(report: PartnershipReport) -> None:
    text = pack_markdown.render_pack(report, RenderOptions())
    for pack in report.agencies:
        section = text.split(f"## {md_plain(pack.name)}\n")[1].split("\n## ")[0]
        headings = re.findall(r"^#### (\d+)\. ", section, flags=re.M)
        assert headings == [str(i.rank) for i in pack.agenda]
        for item in pack.agenda:
            assert item.fingerprint in section


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a | b", "a \\| b"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
        ("line one\n\n# heading", "line one # heading"),
        ("`code` ~~struck~~ back\\slash", "\\`code\\` \\~\\~struck\\~\\~ back\\\\slash"),
        ("AT&T *bold* _it_", "AT&amp;T \\*bold\\* \\_it\\_"),
    ],
)
def test_md_escapes(text: str, escaped: str) -> None:
    assert md(text) == escaped


def test_pack_renderers_are_registered(registry: Registry, report: PartnershipReport) -> None:
    as_html = registry.renderers["html"].partnership
    as_markdown = registry.renderers["markdown"].partnership
    assert as_html is not None
    assert as_markdown is not None
    options = RenderOptions()
    assert as_html(report, options) == html.render_partnership(report, options)
    assert as_markdown(report, options) == pack_markdown.render_pack(report, options)
    assert registry.owners[("renderers", "html")] == "pack"


# --- the example partnership --------------------------------------------------------------


PLANTED = f"{SCRIPT} minutes of the board"


def _example_copy(tmp_path: Path) -> Path:
    """The example partnership with ``<script>`` planted in the evidence of every response
    of the first return, so it reaches that agency's agenda whichever items are flagged.
    An undated extra item changes no flag but evidence-missing and carried-forward."""
    copy = tmp_path / "partnership"
    shutil.copytree(EXAMPLE, copy)
    target = sorted((copy / "2025").glob("*.yaml"))[0]
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    for response in data["responses"]:
        response["evidence"] = [*response.get("evidence", []), {"description": PLANTED}]
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return copy


def _example_args(folder: Path) -> list[str]:
    return [
        str(folder / "2025"),
        "--previous",
        str(folder / "2024"),
        "--expected",
        str(folder / "expected-agencies.yaml"),
        "--outcomes",
        str(folder / "outcomes.yaml"),
        "--policy",
        str(folder / "policy.yaml"),
        "--self",
    ]


@pytest.fixture
def example_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    folder = _example_copy(tmp_path)
    out = tmp_path / "pack.html"
    code = main(
        [
            "--no-entry-points",
            "partnership",
            *_example_args(folder),
            "--format",
            "html",
            "-o",
            str(out),
        ]
    )
    _, err = capsys.readouterr()
    assert (code, err) == (0, f"wrote {out} (the partnership view, html)\n")
    return folder, out


def test_example_partnership_pack(registry: Registry, example_pack: tuple[Path, Path]) -> None:
    folder, out = example_pack
    text = out.read_text(encoding="utf-8")
    parsed = parse(text)
    returns = [load_return(p, registry=registry) for p in sorted((folder / "2025").glob("*.yaml"))]
    previous = {
        r.agency.id: r
        for r in (
            load_return(p, registry=registry) for p in sorted((folder / "2024").glob("*.yaml"))
        )
    }
    assert len(returns) >= 8
    policy = load_policy(folder / "policy.yaml", registry)
    outcomes = load_outcomes(folder / "outcomes.yaml")
    assert outcomes.outcomes
    evaluations = Engine(registry, policy).evaluate_many(
        returns, previous=previous, outcomes=outcomes
    )
    # the heatmap: one row per agency that returned, on its framework's table
    rows = {
        row[0].text: (table.attrs["data-framework"], len(row))
        for table in parsed.tables_of("heatmap")
        for row in table.body_rows()
    }
    assert set(rows) == {ev.agency.name for ev in evaluations}
    for ev in evaluations:
        framework = registry.framework(ev.framework.id, ev.framework.version)
        assert rows[ev.agency.name][0] == ev.framework.id
        assert rows[ev.agency.name][1] == 2 + len(framework.standards) + 1
    # each agency's agenda, in the engine's order
    for ev in evaluations:
        assert parsed.agendas[f"agency-{ev.agency.id}"] == list(ev.agenda), ev.agency.id
    assert any(parsed.agendas.values())
    # the planted script is text, not a tag
    assert "script" not in {tag for tag, _ in parsed.start_tags}
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; minutes of the board" in text
    assert PLANTED in "".join(parsed.text)
    for ret in returns:
        if ret.sign_off is not None:
            assert ret.sign_off.name not in text


def test_example_partnership_markdown_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _example_copy(tmp_path)
    outputs = {}
    for fmt in ("markdown", "json", "table"):
        code = main(["--no-entry-points", "partnership", *_example_args(folder), "--format", fmt])
        out, err = capsys.readouterr()
        assert (code, err) == (0, ""), fmt
        outputs[fmt] = out
    assert SCRIPT not in outputs["markdown"]
    assert md_plain(PLANTED) in outputs["markdown"]
    assert PartnershipReport.model_validate_json(outputs["json"]).agencies


# --- a real browser -----------------------------------------------------------------------


def _chromium(profile: Path) -> list[str]:
    return [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]


def _screenshot(page: Path, png: Path, profile: Path) -> subprocess.CompletedProcess[bytes]:
    command = [
        *_chromium(profile),
        f"--screenshot={png}",
        "--window-size=1240,1754",
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGB(A) rows of an 8-bit truecolour PNG (Chromium's screenshots),
    decoded with zlib and the five PNG row filters."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert (depth, colour) in ((8, 2), (8, 6)), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(_rgb(line)))
        previous = line
    return width, height, rows


def _rgb(rgba: bytearray) -> bytearray:
    out = bytearray()
    for i in range(0, len(rgba), 4):
        out += rgba[i : i + 3]
    return out


RAG_COLOURS = {"red": "b3261e", "amber": "f5b400", "green": "1e7b34"}
"""The pack's RAG fills (its CSS), which a first page with a heatmap must show."""


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_pack_renders_in_chromium(tmp_path: Path, example_pack: tuple[Path, Path]) -> None:
    """A screenshot of the example pack's first screen (kept only in the test's folder)
    shows the heatmap's RAG colours; the DOM Chromium built holds the heatmap, every agency
    that returned and no script."""
    folder, page = example_pack
    png = tmp_path / "pack.png"
    result = _screenshot(page, png, tmp_path / "profile")
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    width, height, rows = png_pixels(png.read_bytes())
    assert (width, height) == (1240, 1754)
    seen = {bytes(row[i : i + 3]) for row in rows for i in range(0, len(row), 3)}
    for name, colour in RAG_COLOURS.items():
        assert bytes.fromhex(colour) in seen, f"no {name} on the first screen"
    assert len(seen) > 50  # text is anti-aliased: a blank or flat page has a handful
    dom = _dump_dom(page, tmp_path / "profile-dom")
    assert "<script" not in dom.lower()
    assert dom.count('<table class="heatmap"') == 2
    names = [yaml.safe_load(p.read_text(encoding="utf-8"))["agency"]["name"]
             for p in sorted((folder / "2025").glob("*.yaml"))]  # fmt: skip
    for name in names:
        assert html_escape(name, quote=False) in dom, name


def _dump_dom(page: Path, profile: Path) -> str:
    command = [*_chromium(profile), "--dump-dom", page.resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode("utf-8")
