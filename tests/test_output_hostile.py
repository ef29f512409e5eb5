"""Hostile text in every text field of a return, through every evaluation output format.

Agencies type the text; partnerships open the results in spreadsheets, read them on a
terminal, publish the Markdown and feed the JUnit and JSON to other systems. Whatever the
text, no output may hold a cell a spreadsheet would run, raw ``<script`` where markup is
read, or a character that drives a terminal; and JSON reads back to exactly the text.

The checks here are written independently of :mod:`safeguard_qa.report.safe`: they list
the dangerous characters themselves rather than asking the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from safeguard_qa.api import evaluate_returns
from safeguard_qa.models.results import Evaluation
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import markdown_text, neutralise, printable
from tests.factories import build, clean_return_data, with_changes
from tests.hypothesis_profiles import PROFILE, REGISTRY

FORMATS = ("json", "table", "csv", "markdown", "junit", "xlsx")
SHORT = 500  # ShortText: agency name, reference, owner, role
SIGNER = "Zed Quinlan-Orr"

# --- hostile text ------------------------------------------------------------------------

SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212", "\ufe66", "\ufe62")
LEADING = (" ", "\t", "\n", "\r", "\u00a0", "\ufeff", "\x0b", "\x0c", "\u200b", "\u2060", "\u3000")
PAYLOADS = ('HYPERLINK("https://evil.example","x")', "cmd|' /C calc'!A0", "1+1", "SUM(A1:A9)")
MARKUP = (
    "<script>alert(1)</script>",
    "<SCRIPT src=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "[click here](https://evil.example/login)",
    "![pixel](https://evil.example/p.png)",
    "https://evil.example/login",
    "see www.evil.example now",
    "ftp://evil.example/file",
    "<https://evil.example>",
    "| a | b |\n|---|---|",
    "**bold** _it_ `code` ~~gone~~",
    "&lt;script&gt;",
    "javascript:alert(1)",
    "# heading\n- item",
)
CONTROLS = ("\x1b[2J", "\x1b]0;owned\x07", "\x07", "\x00", "\x9b31m", "\x7f", "\r", "\x08", "\x85")
BIDI = ("\u202e", "\u202d", "\u2066", "\u2067", "\u2069")

formula = st.builds(
    lambda lead, sign, body: "".join(lead) + sign + body,
    st.lists(st.sampled_from(LEADING + BIDI), max_size=3),
    st.sampled_from(SIGNS),
    st.sampled_from(PAYLOADS),
)
piece = st.one_of(
    formula,
    st.sampled_from(MARKUP),
    st.sampled_from(CONTROLS + BIDI),
    st.text(max_size=20),  # any code point hypothesis likes (no lone surrogates)
)
long_text = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["A", "=1+", "<script>", "\x1b[0m", "https://e.example "]),
    st.integers(min_value=50, max_value=400),
)
hostile = st.one_of(formula, piece, long_text, st.lists(piece, min_size=2, max_size=5).map("".join))
short_hostile = hostile.map(lambda text: text[:SHORT])

# --- independent checks ------------------------------------------------------------------

_LEADING_INVISIBLE = (
    r"[\s\x00-\x1f\x7f-\x9f\u00a0\u00ad\u200b-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]*"
)
_FORMULA_SIGN = "[=+\\-@\uff1d\uff0b\uff0d\uff20\u2212\ufe62\ufe63\ufe66\ufe6b\u2010-\u2015]"
RUNS = re.compile(_LEADING_INVISIBLE + _FORMULA_SIGN)
TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and line breaks aside
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def runs_in_a_spreadsheet(cell: str) -> bool:
    return cell.startswith(("\t", "\r")) or RUNS.match(cell) is not None


def _return_data(texts: dict[str, str]) -> dict[str, Any]:
    data = clean_return_data(REGISTRY, "s11-wt2023", agency_id="police-a")
    data["agency"]["name"] = texts["agency_name"]
    data["sign_off"] = {"name": SIGNER, "role": texts["role"], "date": "2025-05-10"}
    stale = {"description": texts["evidence"], "reference": texts["reference"]}
    late = {"description": texts["action"], "owner": texts["owner"], "due": "2024-01-01"}
    return with_changes(
        data,
        {
            "responses": {
                "S11-1.1": {"evidence": [{**stale, "date": "2015-01-01"}]},  # evidence-stale
                "S11-1.2": {"actions": [late]},  # action-overdue quotes the action
                # N/A on a statutory yes/no item from an agency with the duty: na-statutory
                # quotes the commentary
                "S11-2.2": {"rating": "na", "commentary": texts["commentary"]},
                "S11-1.4": {"commentary": texts["commentary"]},
            }
        },
    )


def _evaluate(texts: dict[str, str]) -> list[Evaluation]:
    return evaluate_returns([build(_return_data(texts))], registry=REGISTRY)


def _render(fmt: str, evaluations: list[Evaluation]) -> Any:
    renderer = REGISTRY.renderers[fmt]
    assert renderer.evaluations is not None
    return renderer.evaluations(evaluations, RenderOptions())


def check_json(output: str, evaluations: list[Evaluation]) -> None:
    assert json.loads(output) == evaluations[0].model_dump(mode="json")
    assert not TERMINAL.search(output)
    assert not BIDI_CONTROL.search(output)


def check_table(output: str) -> None:
    assert not TERMINAL.search(output.replace("\t", " ")), "a control character reached the table"
    assert "\r" not in output
    assert not BIDI_CONTROL.search(output)


def check_csv(output: str) -> None:
    assert not TERMINAL.search(output.replace("\r\n", "\n").replace("\r", "\n"))
    for row in csv.reader(io.StringIO(output)):
        for cell in row:
            assert cell.startswith("'") or not runs_in_a_spreadsheet(cell), cell


def check_markdown(output: str) -> None:
    assert "<" not in output  # no tag at all, let alone <script
    assert not TERMINAL.search(output)
    assert not BIDI_CONTROL.search(output)
    assert not re.search(r"(?i)[a-z]://", output), "a bare URL would become a link"
    assert not re.search(r"(?i)(?<![\w.\-])www\.", output), "www. would become a link"
    assert not re.search(r"(?<!\\)\]\(", output), "a Markdown link"


def check_junit(output: str) -> None:
    ET.fromstring(output)
    assert "<script" not in output.lower()
    assert not TERMINAL.search(output.replace("\r", ""))
    assert not BIDI_CONTROL.search(output)


def check_xlsx(output: bytes, tmp: io.BytesIO) -> None:
    tmp.write(output)
    tmp.seek(0)
    wb = load_workbook(tmp)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and runs_in_a_spreadsheet(cell.value):
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)


def check_every_format(evaluations: list[Evaluation]) -> None:
    outputs = {fmt: _render(fmt, evaluations) for fmt in FORMATS}
    check_json(outputs["json"], evaluations)
    check_table(outputs["table"])
    check_csv(outputs["csv"])
    check_markdown(outputs["markdown"])
    check_junit(outputs["junit"])
    check_xlsx(outputs["xlsx"], io.BytesIO())
    for fmt, output in outputs.items():
        if fmt != "xlsx":
            assert SIGNER not in output, f"the signer's name is in the {fmt} output"


# --- the properties ----------------------------------------------------------------------


@settings(PROFILE, max_examples=max(1, PROFILE.max_examples // 2))  # six formats each
@given(
    agency_name=short_hostile,
    role=short_hostile,
    evidence=hostile,
    reference=short_hostile,
    commentary=hostile,
    action=hostile,
    owner=short_hostile,
)
def test_hostile_text_in_every_field_is_safe_in_every_format(**texts: str) -> None:
    evaluations = _evaluate(texts)
    flagged = {flag.rule for flag in evaluations[0].flags}
    assert {"evidence-stale", "action-overdue", "na-statutory"} <= flagged  # the text is shown
    check_every_format(evaluations)


LISTED = {
    "markup": "\n".join(MARKUP),
    "controls": "".join(CONTROLS + BIDI),
    "escape then formula": "\x1b=1+1",
    "space then formula": " =1+1",
    "minus sign": "\u2212 1",
    "override then formula": "\u202e=1+1",
}


@pytest.mark.parametrize("text", LISTED.values(), ids=LISTED.keys())
def test_the_listed_attacks_in_every_field(text: str) -> None:
    """The listed attacks, every time (the property samples them)."""
    texts = dict.fromkeys(
        ("agency_name", "role", "evidence", "reference", "commentary", "action", "owner"), text
    )
    check_every_format(_evaluate(texts))


# --- what people see ---------------------------------------------------------------------


def test_the_terminal_shows_control_characters_as_symbols() -> None:
    [ev] = _evaluate(
        dict.fromkeys(("role", "evidence", "reference", "commentary", "action", "owner"), "plain")
        | {"agency_name": "Police\x1b[2J\x07\x00 \u202eevil"}
    )
    table = _render("table", [ev])
    assert "Police\u241b[2J\u2407\u2400 \ufffdevil" in table


def test_markdown_shows_a_bare_url_as_text() -> None:
    assert markdown_text("see https://evil.example/a_b now") == (
        "see https\\://evil.example/a\\_b now"
    )
    assert markdown_text("www.evil.example") == "www\\.evil.example"
    assert markdown_text("10:30, ratio 1:2") == "10:30, ratio 1:2"  # colons stay as they are


def test_printable_keeps_what_it_is_told_and_ordinary_text() -> None:
    assert printable("a\tb\nc\x1b") == "a\u2409b\u240ac\u241b"
    assert printable("a\tb\nc\x1b", keep="\t\n") == "a\tb\nc\u241b"
    text = "Ysgol Gymraeg – école, 学校, مدرسة 👍"
    assert printable(text) is text


def test_text_that_only_looks_like_a_formula_inside_is_left_alone() -> None:
    for text in ("a=b", "plain - text", "email@example.org", " leading space", "'quoted"):
        assert neutralise(text) == text
