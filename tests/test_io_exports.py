"""Exports of evaluation results: CSV, JUnit XML, Markdown and XLSX."""

from __future__ import annotations

import csv
import gc
import io
import json
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from safeguard_qa.api import evaluate_returns
from safeguard_qa.cli import main
from safeguard_qa.io import write_return
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import Evaluation
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import neutralise
from tests.factories import build, clean_return_data, with_changes

FORMULA = '=HYPERLINK("http://x")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _flagged_data(registry: Registry) -> dict[str, Any]:
    """A return whose agency name and stale evidence are formulas: two flags, one high."""
    data = clean_return_data(registry, "s11-wt2023", agency_id="police-a")
    data["agency"]["name"] = f"{FORMULA} | <b>Police</b> & *partners*"
    stale = [{"description": FORMULA, "reference": "-1", "date": "2015-01-01"}]
    return with_changes(
        data,
        {"responses": {"S11-1.1": {"evidence": stale}, "S11-1.2": {"evidence": []}}},
    )


@pytest.fixture
def evaluations(registry: Registry) -> list[Evaluation]:
    returns = [
        build(_flagged_data(registry)),
        build(clean_return_data(registry, "s175-kcsie", agency_id="school-b")),
    ]
    return evaluate_returns(returns, registry=registry)


def _render(registry: Registry, fmt: str, evaluations: list[Evaluation], **options: Any) -> Any:
    renderer = registry.renderers[fmt]
    assert renderer.evaluations is not None
    return renderer.evaluations(evaluations, RenderOptions(**options))


# --- CSV -------------------------------------------------------------------------------


def test_neutralise() -> None:
    assert neutralise(FORMULA) == "'" + FORMULA
    assert [neutralise(t) for t in ("+1", "-x", "@a", "\tx", "\rx")] == [
        "'+1",
        "'-x",
        "'@a",
        "'\tx",
        "'\rx",
    ]
    assert neutralise("plain = text") == "plain = text"
    assert neutralise(" plain") == " plain"


@pytest.mark.parametrize(
    "text",
    [
        "\uff1dHYPERLINK()",  # full-width =
        "\uff0b1",  # full-width +
        "\uff0d1",  # full-width -
        "\uff20SUM(A1)",  # full-width @
        "\u22121",  # minus sign
        "\ufe66cmd",  # small equals
        "\u2013 1",  # en dash
        " =1+1",
        "\n=1+1",
        "\u00a0=1+1",  # no-break space
        "\ufeff=1+1",  # byte-order mark
        "\x0b=1+1",  # vertical tab
        "\u200b\u202e=1+1",  # zero-width space, right-to-left override
        "\u3000+1",  # ideographic space
    ],
)
def test_neutralise_sees_through_look_alikes_and_leading_invisibles(text: str) -> None:
    assert neutralise(text) == "'" + text


def test_csv_export_neutralises_formulas_from_returns(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    text = _render(registry, "csv", evaluations)
    rows = list(csv.DictReader(io.StringIO(text)))
    stale = next(r for r in rows if r["section"] == "flag" and r["rule"] == "evidence-stale")
    assert stale["evidence"] == f"'{FORMULA} (2015-01-01)"
    assert stale["agency_name"].startswith("'=HYPERLINK")
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), cell


def test_csv_export_has_a_row_per_criterion_and_per_flag(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_render(registry, "csv", evaluations))))
    for ev in evaluations:
        mine = [r for r in rows if r["return_id"] == ev.return_id]
        assert [r["criterion"] for r in mine if r["section"] == "criterion"] == [
            c.criterion for c in ev.criteria
        ]
        assert [r["fingerprint"] for r in mine if r["section"] == "flag"] == [
            f.fingerprint for f in ev.flags
        ]
        assert [r["section"] for r in mine].count("overall") == 1


def test_csv_stream_gives_the_same_text(registry: Registry, evaluations: list[Evaluation]) -> None:
    renderer = registry.renderers["csv"]
    assert renderer.stream is not None
    streamed = "".join(renderer.stream(iter(evaluations), len(evaluations), RenderOptions()))
    assert streamed == _render(registry, "csv", evaluations)


# --- JUnit -----------------------------------------------------------------------------


def test_junit_has_a_suite_per_return_and_a_case_per_criterion(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    root = ET.fromstring(_render(registry, "junit", evaluations))
    suites = root.findall("testsuite")
    assert len(suites) == len(evaluations)
    for suite, ev in zip(suites, evaluations, strict=True):
        names = [case.get("name") for case in suite.findall("testcase")]
        assert names == [*(c.criterion for c in ev.criteria), "return"]
        assert suite.get("tests") == str(len(names))
    assert suites[0].get("name") == f"{FORMULA} | <b>Police</b> & *partners* (police-a)"


@pytest.mark.parametrize(("fail_on", "failures"), [("high", 1), ("medium", 2), ("low", 2)])
def test_junit_fails_each_flag_at_or_above_fail_on(
    registry: Registry, evaluations: list[Evaluation], fail_on: str, failures: int
) -> None:
    root = ET.fromstring(_render(registry, "junit", evaluations, fail_on=Severity(fail_on)))
    found = root.findall(".//failure")
    assert len(found) == failures
    assert sum(int(suite.get("failures", "")) for suite in root.iter("testsuite")) == failures
    missing = next(f for f in found if f.get("type") == "evidence-missing")
    assert missing.get("message") == "[high] rated Green with no evidence"
    assert "Question: " in (missing.text or "")


def test_junit_lists_flags_below_the_threshold(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    root = ET.fromstring(_render(registry, "junit", evaluations, fail_on=Severity.HIGH))
    case = root.find(".//testcase[@name='S11-1.1']")
    assert case is not None
    assert case.find("failure") is None
    assert "evidence-stale" in (case.findtext("system-out") or "")


def test_junit_survives_characters_xml_cannot_hold(registry: Registry) -> None:
    data = clean_return_data(registry, "s11-wt2023")
    data["agency"]["name"] = "Bell\x07 & <Co>"
    [ev] = evaluate_returns([build(data)], registry=registry)
    suite = ET.fromstring(_render(registry, "junit", [ev])).find("testsuite")
    assert suite is not None
    assert suite.get("name") == "Bell\u2407 & <Co> (agency-a)"


def test_junit_streams_a_suite_per_evaluation_as_it_arrives(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    renderer = registry.renderers["junit"]
    assert renderer.stream is not None
    pending = iter(evaluations)
    chunks = renderer.stream(pending, len(evaluations), RenderOptions())
    head, first_suite = next(chunks), next(chunks)
    assert head.startswith("<?xml")
    assert "<testsuite " in first_suite
    assert next(pending) is evaluations[1]  # the second was not read to write the first
    streamed = "".join(renderer.stream(iter(evaluations), len(evaluations), RenderOptions()))
    assert streamed == _render(registry, "junit", evaluations)
    assert ET.fromstring(_render(registry, "junit", [])).findall("testsuite") == []


# --- Markdown --------------------------------------------------------------------------


def test_markdown_shows_ratings_as_words_and_escapes_return_text(
    registry: Registry, evaluations: list[Evaluation]
) -> None:
    text = _render(registry, "markdown", evaluations)
    assert '## =HYPERLINK("http\\://x") \\| &lt;b&gt;Police&lt;/b&gt; &amp; \\*partners\\*' in text
    assert "<b>" not in text
    assert "| S11-1 | Leadership and accountability | Green | Amber | – |" in text
    assert "### Challenge agenda" in text
    assert "1. **S11-1.2** · high: rated Green with no evidence" in text


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_export_has_its_sheets_and_keeps_formulas_as_text(
    registry: Registry, evaluations: list[Evaluation], tmp_path: Path
) -> None:
    data = _render(registry, "xlsx", evaluations)
    assert registry.renderers["xlsx"].binary
    assert data == _render(registry, "xlsx", evaluations)  # deterministic
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Standards", "Criteria", "Flags"]
    name = wb["Summary"]["C2"]
    assert name.value == f"{FORMULA} | <b>Police</b> & *partners*"
    assert name.data_type == "s"
    assert name.quotePrefix  # editing the cell in Excel keeps it text
    assert not wb["Summary"]["B2"].quotePrefix
    criteria = wb["Criteria"]
    assert criteria.max_row == 1 + sum(len(ev.criteria) for ev in evaluations)
    assert wb["Standards"]["F2"].value == "Amber"
    assert wb["Flags"].max_row == 1 + sum(len(ev.flags) for ev in evaluations)


def test_xlsx_streams_the_same_bytes(registry: Registry, evaluations: list[Evaluation]) -> None:
    renderer = registry.renderers["xlsx"]
    assert renderer.stream is not None
    chunks = list(renderer.stream(iter(evaluations), len(evaluations), RenderOptions()))
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert b"".join(chunks) == _render(registry, "xlsx", evaluations)


def test_xlsx_keeps_long_numbers_exact_and_old_dates_as_text(
    registry: Registry, evaluations: list[Evaluation], tmp_path: Path
) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(_render(registry, "xlsx", evaluations))
    wb = load_workbook(path)
    summary = wb["Summary"]
    headers = [cell.value for cell in summary[1]]
    period = summary.cell(2, headers.index("Period end") + 1)
    assert period.is_date
    assert period.number_format == "d mmm yyyy"
    assert summary.freeze_panes == "C2"
    assert summary.auto_filter.ref == f"A1:K{1 + len(evaluations)}"


# --- memory ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "table", "csv", "markdown", "junit", "xlsx"])
def test_every_format_lets_go_of_each_evaluation_once_written(
    registry: Registry, evaluations: list[Evaluation], fmt: str
) -> None:
    """Memory stays flat in the number of returns only if no renderer keeps what it was
    given: by the time the fourth evaluation is asked for, the first two must be gone."""
    alive: list[weakref.ref[Evaluation]] = []

    def fresh() -> Iterator[Evaluation]:
        for number in range(6):
            gc.collect()
            assert all(ref() is None for ref in alive[: max(0, number - 1)]), number
            ev = evaluations[number % 2].model_copy(deep=True)
            alive.append(weakref.ref(ev))
            yield ev
            del ev

    renderer = registry.renderers[fmt]
    assert renderer.stream is not None
    for _ in renderer.stream(fresh(), 6, RenderOptions()):
        pass
    assert len(alive) == 6


# --- CLI -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "junit", "markdown", "xlsx"])
def test_evaluate_writes_each_export(registry: Registry, tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "police.xlsx"
    written = write_return(build(_flagged_data(registry)), "xlsx", registry=registry)
    assert isinstance(written, bytes)
    source.write_bytes(written)
    out = tmp_path / f"results.{fmt}"
    code = main(["--no-entry-points", "evaluate", str(source), "--format", fmt, "-o", str(out)])
    assert code == 1  # a high flag is open
    assert out.stat().st_size > 0


def test_xlsx_is_never_written_to_the_terminal(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "police.yaml"
    source.write_text(json.dumps(_flagged_data(registry)), encoding="utf-8")
    code = main(["--no-entry-points", "evaluate", str(source), "--format", "xlsx"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "binary: give an output file with -o" in err
