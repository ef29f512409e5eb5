"""The partnership view: return status, heatmap, shares and themes, trend, action register.

The partnership used here is built from the test factories: six agencies this cycle (five on
Section 11, one school on Section 175), three of them also last cycle, and one expected
agency that has not returned. ``write_partnership`` writes it out as files for the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.analysis.partnership import (
    PartnershipReport,
    build_partnership,
    evaluate_partnership,
)
from safeguard_qa.cli import main
from safeguard_qa.errors import InputError
from safeguard_qa.loaders.expected import load_expected, parse_expected
from safeguard_qa.models.partnership import ExpectedAgencies
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.returns import Return
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.html import render_partnership
from safeguard_qa.report.jsonout import dumps
from safeguard_qa.report.pack_markdown import render_pack
from tests.factories import build, clean_return_data
from tests.partnership_data import (
    EXPECTED,
    INJECTION,
    SCRIPT,
    SIGNER,
    agency_data,
    make_report,
    this_cycle,
    write_partnership,
)


@pytest.fixture(scope="module")
def report(registry: Registry) -> PartnershipReport:
    return make_report(registry)


# --- return status ------------------------------------------------------------------------


def test_return_status_names_missing_late_and_unsigned(report: PartnershipReport) -> None:
    status = report.status
    assert (status.expected, status.returned) == (7, 6)
    assert status.missing == ("youth-justice",)
    assert status.late == ("probation",)
    assert status.unsigned == ("probation",)
    assert status.unexpected == ()
    probation = next(s for s in status.agencies if s.agency == "probation")
    assert probation.days_late == 32
    assert probation.sign_off_role is None
    assert [s.name for s in status.agencies] == sorted(s.name for s in status.agencies)


def test_a_return_from_an_agency_not_on_the_list_is_unexpected(registry: Registry) -> None:
    ret = build(agency_data(registry, "police"))
    evaluations = [(ret, e) for e in [_evaluate(registry, ret)]]
    expected = ExpectedAgencies.model_validate(
        {"agencies": [{"id": "health", "name": "Northshire ICB", "type": "health"}]}
    )
    report = build_partnership(evaluations, registry=registry, expected=expected)
    assert report.status.unexpected == ("police",)
    assert report.status.missing == ("health",)


def test_before_any_return_every_expected_agency_is_missing(registry: Registry) -> None:
    report = evaluate_partnership(
        [], registry=registry, expected=ExpectedAgencies.model_validate(EXPECTED)
    )
    assert len(report.status.missing) == 7
    assert report.frameworks == ()
    assert report.as_of is None
    assert "Youth Justice Service" in render_pack(report, RenderOptions())
    assert "Youth Justice Service" in render_partnership(report, RenderOptions())


def _evaluate(registry: Registry, ret: Return) -> Any:
    from safeguard_qa.engine.engine import Engine

    return Engine(registry).evaluate(ret)


# --- heatmap, shares and themes -----------------------------------------------------------


def test_heatmap_has_one_table_per_framework_with_a_row_per_agency(
    report: PartnershipReport,
) -> None:
    assert [v.framework for v in report.frameworks] == ["s11-wt2023", "s175-kcsie"]
    s11 = report.frameworks[0]
    assert [row.name for row in s11.heatmap] == [
        "Northshire Council",
        "Northshire Homes",
        "Northshire ICB",
        "Northshire Police",
        "Probation Service",
    ]
    assert len(s11.standards) == 18
    council = next(row for row in s11.heatmap if row.agency == "council")
    cells = {c.standard: c for c in council.cells}
    assert cells["S11-5"].assured_rag is RAG.RED
    assert cells["S11-5"].self_rag is RAG.RED
    # placeholder-free but two-year-old evidence caps a green claim at amber
    assert (cells["S11-2"].self_rag, cells["S11-2"].assured_rag) == (RAG.GREEN, RAG.AMBER)
    police = next(row for row in s11.heatmap if row.agency == "police")
    assert {c.assured_rag for c in police.cells} == {RAG.GREEN}


def test_criterion_shares_count_agencies_at_each_rating(report: PartnershipReport) -> None:
    shares = {c.criterion: c for c in report.frameworks[0].criteria}
    esc = shares["S11-5.1"]
    assert (esc.red, esc.amber, esc.green, esc.blue, esc.rated) == (1, 2, 2, 0, 5)
    assert esc.amber_or_red_share == 0.6
    assert esc.theme
    assert not shares["S11-1.1"].theme  # only one agency is amber there: not a theme
    assert not shares["S11-6.1"].theme


def test_themes_are_criteria_and_tags_over_the_policy_share(report: PartnershipReport) -> None:
    keys = {(t.kind, t.key) for t in report.themes}
    assert ("criterion", "S11-5.1") in keys
    assert ("tag", "escalation") in keys
    escalation = next(t for t in report.themes if t.key == "escalation")
    assert escalation.agencies == ("council", "housing", "health")
    assert (escalation.rated, escalation.share) == (6, 0.5)  # tags span frameworks: the school too
    assert [t.share for t in report.themes] == sorted(
        (t.share for t in report.themes), reverse=True
    )


def test_a_higher_theme_share_drops_the_theme(registry: Registry) -> None:
    strict = make_report(registry, policy=Policy(theme_share=0.7))
    assert ("criterion", "S11-5.1") not in {(t.kind, t.key) for t in strict.themes}
    assert strict.theme_share == 0.7


# --- trend --------------------------------------------------------------------------------


def test_trend_per_agency_and_per_standard(report: PartnershipReport) -> None:
    assert report.trend is not None
    by_agency = {t.agency: t for t in report.trend.agencies}
    assert by_agency["police"].direction == "unchanged"
    assert by_agency["council"].direction == "declined"
    assert by_agency["council"].standards_declined >= 2
    assert by_agency["health"].previous is RAG.RED
    assert by_agency["health"].direction == "improved"
    assert by_agency["probation"].direction == "new"
    by_standard = {(t.framework, t.standard): t for t in report.trend.standards}
    s11_5 = by_standard[("s11-wt2023", "S11-5")]
    assert s11_5.agencies == 3
    assert s11_5.direction == "declined"
    # health moved up from red and council down to amber: the mean does not move
    assert by_standard[("s11-wt2023", "S11-1")].direction == "unchanged"
    heat = {row.agency: row.trend for row in report.frameworks[0].heatmap}
    assert heat["council"] == "declined"


def test_no_previous_cycle_means_no_trend(registry: Registry) -> None:
    rets = [build(d) for d in this_cycle(registry).values()]
    report = evaluate_partnership(rets, registry=registry)
    assert report.trend is None
    assert all(row.trend is None for view in report.frameworks for row in view.heatmap)
    assert report.partnership == ""
    assert report.status.expected == 0
    assert report.status.missing == ()


# --- actions ------------------------------------------------------------------------------


def test_action_register_lists_every_action_overdue_first(report: PartnershipReport) -> None:
    actions = report.actions
    assert [(a.agency, a.criterion) for a in actions] == [
        ("health", "S11-1.1"),
        ("health", "S11-5.1"),
        ("housing", "S11-5.1"),
    ]
    first = actions[0]
    assert first.overdue
    assert first.days_overdue == 104
    assert first.description == INJECTION  # kept as typed: renderers escape or neutralise it
    assert not actions[1].overdue
    assert actions[1].status == "not_started"
    assert actions[2].status == "complete"
    assert not actions[2].overdue


# --- agencies -----------------------------------------------------------------------------


def test_each_agency_has_its_agenda_in_engine_order(registry: Registry) -> None:
    current = [build(d) for d in this_cycle(registry).values()]
    report = make_report(registry)
    council = next(p for p in report.agencies if p.agency == "council")
    assert [i.rank for i in council.agenda] == list(range(1, len(council.agenda) + 1))
    rules = [i.rule for i in council.agenda]
    assert rules[0] in {"evidence-missing", "gap-without-action"}  # high severity first
    assert "evidence-stale" in rules
    stale = next(i for i in council.agenda if i.rule == "evidence-stale")
    assert stale.agency_evidence[0].description.startswith(SCRIPT)
    assert stale.criterion_text.startswith("A named senior board-level lead")
    assert council.flags.open == council.flags.total == len(council.agenda)
    assert council.dismissed == ()
    assert [p.agency for p in report.agencies] == [
        "council",
        "housing",
        "health",
        "police",
        "school",
        "probation",
    ]
    probation = next(p for p in report.agencies if p.agency == "probation")
    assert {i.rule for i in probation.agenda} >= {"signoff-missing", "submission-late"}
    assert all(i.criterion is None for i in probation.agenda if i.rule == "signoff-missing")
    assert len(current) == 6


def test_the_signers_name_is_never_reported(report: PartnershipReport) -> None:
    outputs = [
        dumps(report),
        render_partnership(report, RenderOptions(show_self=True)),
        render_pack(report, RenderOptions(show_self=True)),
    ]
    for text in outputs:
        assert SIGNER not in text
        assert "Chief Executive" in text  # the role is shown


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_output_does_not_depend_on_the_order_returns_are_given(
    registry: Registry, report: PartnershipReport, seed: int
) -> None:
    shuffled = make_report(registry, shuffle=seed)
    assert dumps(shuffled) == dumps(report)
    options = RenderOptions(show_self=True)
    assert render_partnership(shuffled, options) == render_partnership(report, options)
    assert render_pack(shuffled, options) == render_pack(report, options)


def test_json_round_trips_through_the_model(report: PartnershipReport) -> None:
    text = dumps(report)
    again = PartnershipReport.model_validate(json.loads(text))
    assert dumps(again) == text


def test_two_returns_from_one_agency_are_refused(registry: Registry) -> None:
    ret = build(agency_data(registry, "police"))
    with pytest.raises(InputError, match="more than one return"):
        evaluate_partnership([ret, ret], registry=registry)


# --- the expected-agencies file -----------------------------------------------------------


def test_load_expected(tmp_path: Path) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(yaml.safe_dump(EXPECTED), encoding="utf-8")
    expected = load_expected(path)
    assert len(expected.agencies) == 7
    assert expected.cycle == "2024-25"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "expected a mapping with 'agencies', found nothing"),
        (["police"], "found list"),
        ({"agencies": []}, "agencies"),
        ({"agencies": [{"id": "police", "name": "P"}]}, "required field is missing"),
        (
            {"agencies": [{"id": "p", "name": "P", "type": "police"}] * 2},
            "this agency is listed twice",
        ),
        (
            {"agencies": [{"id": "p", "name": "P", "type": "police", "colour": "x"}]},
            "unknown field",
        ),
    ],
)
def test_bad_expected_files_name_the_problem(data: Any, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_expected(data, "expected.yaml")
    text = str(info.value)
    assert text.startswith("expected.yaml")
    assert message in text


# --- the command --------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-entry-points", "partnership", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path, registry: Registry) -> dict[str, Path]:
    return write_partnership(tmp_path / "partnership", registry)


def test_cli_json_matches_the_api(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    tmp_path: Path,
    report: PartnershipReport,
) -> None:
    out = tmp_path / "out" / "partnership.json"
    code, _, err = run(
        capsys,
        str(files["current"]),
        "--expected",
        str(files["expected"]),
        "--previous",
        str(files["previous"]),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert (code, err) == (0, f"wrote {out} (the partnership view, json)\n")
    assert out.read_text(encoding="utf-8") == dumps(report)


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("table", "Returns received"),
        ("markdown", "### Challenge agenda"),
        ("html", "<!DOCTYPE html>"),
        ("csv", "section,framework,"),
    ],
)
def test_cli_formats(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], fmt: str, marker: str
) -> None:
    code, out, err = run(capsys, str(files["current"]), "--format", fmt, "--self")
    assert (code, err) == (0, "")
    assert marker in out
    assert SIGNER not in out


def test_cli_table_is_the_partnership_view_without_agency_pages(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, _ = run(capsys, str(files["current"]), "--expected", str(files["expected"]))
    assert code == 0
    assert "Youth Justice Service" in out
    assert "Challenge agenda" not in out
    assert "Overdue action of" in out
    # a terminal table: aligned columns under a rule, not Markdown pipes
    assert not any(line.startswith("|") for line in out.splitlines())
    header = next(line for line in out.splitlines() if line.startswith("Agency "))
    rule = out.splitlines()[out.splitlines().index(header) + 1]
    assert set(rule) <= {"-", " "}
    assert header.index("Overall") == rule.index("  -") + 2  # columns line up


def test_cli_table_shows_control_characters_as_symbols(registry: Any, tmp_path: Path) -> None:
    from safeguard_qa.analysis.partnership import evaluate_partnership
    from safeguard_qa.report.base import RenderOptions
    from safeguard_qa.report.pack_table import render_table

    data = clean_return_data(registry, agency_id="noisy")
    data["agency"]["name"] = "Noisy \x1b[2J Agency"
    text = render_table(evaluate_partnership([build(data)], registry=registry), RenderOptions())
    assert "\x1b" not in text
    assert "Noisy ␛[2J Agency" in text


def test_cli_unknown_format_lists_the_formats(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = run(capsys, str(files["current"]), "--format", "nope")
    assert code == 2
    assert "unknown format 'nope'" in err
    assert "csv, html, json, markdown, pdf, table, xlsx" in err
    assert "pack-md" not in err  # one name per format


def test_cli_names_both_files_when_an_agency_returns_twice(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    copy = files["current"] / "police-again.yaml"
    copy.write_text(
        (files["current"] / "police.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, _, err = run(capsys, str(files["current"]))
    assert code == 2
    assert "agency › id: agency police already made a return in" in err
    assert "police-again.yaml" in err
    assert "police.yaml" in err


def test_cli_bad_expected_file_exits_2(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "expected.yaml"
    bad.write_text("agencies:\n  - id: x\n    name: X\n", encoding="utf-8")
    code, _, err = run(capsys, str(files["current"]), "--expected", str(bad))
    assert code == 2
    assert f"{bad}: " in err
    assert "x › type: required field is missing" in err


def test_cli_refuses_to_write_over_an_input(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = run(
        capsys,
        str(files["current"]),
        "--expected",
        str(files["expected"]),
        "-o",
        str(files["expected"]),
    )
    assert code == 2
    assert "the output file is one of the inputs" in err


def test_cli_reports_every_bad_return(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    (files["current"] / "broken.yaml").write_text("framework: s11-wt2023\n", encoding="utf-8")
    code, _, err = run(capsys, str(files["current"]))
    assert code == 2
    assert "broken.yaml" in err
