"""Challenge outcomes, round trip: evaluate, record the panel's decisions, evaluate again.

Moderated ratings appear beside self and assured; a dismissed flag leaves the agenda but stays
listed and counted as dismissed; every decision stays in the record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.cli import main
from safeguard_qa.engine.engine import Engine
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry
from tests.factories import build
from tests.pack_html import parse
from tests.partnership_data import agency_data, write_partnership


def partnership(files: dict[str, Path], out: Path, *args: str) -> str:
    """Run the partnership command on the written partnership; return what it wrote."""
    code = main(
        [
            "--no-entry-points",
            "partnership",
            str(files["current"]),
            "--expected",
            str(files["expected"]),
            "--previous",
            str(files["previous"]),
            *args,
            "-o",
            str(out),
        ]
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def outcome(agency: str, decision: str, reason: str, **target: Any) -> dict[str, Any]:
    return {
        "agency": agency,
        **target,
        "decision": decision,
        "reason": reason,
        "decided_by": "Independent chair",
        "decided_on": "2025-06-20",
    }


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> dict[str, Any]:
    """Both runs of the partnership command, and the fingerprints the panel decided on."""
    tmp_path = tmp_path_factory.mktemp("round-trip")
    files = write_partnership(tmp_path / "partnership", registry)
    before = json.loads(partnership(files, tmp_path / "before.json", "--format", "json"))
    council = next(p for p in before["agencies"] if p["agency"] == "council")
    by_rule = {item["rule"]: item["fingerprint"] for item in council["agenda"]}
    decided = {"dismissed": by_rule["evidence-stale"], "agreed": by_rule["gap-without-action"]}
    outcomes = {
        "outcomes": [
            outcome(
                "council",
                "dismissed",
                "A 2025 DSL audit was tabled at the event",
                flag=decided["dismissed"],
            ),
            outcome(
                "council",
                "rating_revised",
                "Escalations are used, if not recorded",
                criterion="S11-5.1",
                moderated="amber",
            ),
            outcome(
                "council",
                "action_agreed",
                "Escalation guide by September",
                flag=decided["agreed"],
            ),
        ]
    }
    path = tmp_path / "outcomes.yaml"
    path.write_text(yaml.safe_dump(outcomes), encoding="utf-8")
    with_outcomes = ("--outcomes", str(path), "--format")
    after_json = json.loads(partnership(files, tmp_path / "after.json", *with_outcomes, "json"))
    after_html = partnership(files, tmp_path / "after.html", *with_outcomes, "html")
    after_md = partnership(files, tmp_path / "after.md", *with_outcomes, "markdown")
    return {
        "files": files,
        "outcomes": path,
        "before": before,
        "after": after_json,
        "html": after_html,
        "markdown": after_md,
        "decided": decided,
    }


def _council(report: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in report["agencies"] if p["agency"] == "council")


def test_a_dismissed_flag_leaves_the_agenda_but_stays_listed_and_counted(
    round_trip: dict[str, Any],
) -> None:
    before, after = _council(round_trip["before"]), _council(round_trip["after"])
    dismissed = round_trip["decided"]["dismissed"]
    assert after["flags"]["total"] == before["flags"]["total"]
    assert after["flags"]["dismissed"] == 1
    assert after["flags"]["decided"] == 1
    assert after["flags"]["open"] == before["flags"]["total"] - 2
    # the agreed gap-without-action flag (red: high severity) is no longer open
    assert after["flags"]["open_high"] == before["flags"]["open_high"] - 1
    assert dismissed not in [i["fingerprint"] for i in after["agenda"]]
    assert [i["fingerprint"] for i in after["dismissed"]] == [dismissed]
    assert after["dismissed"][0]["reason"] == "A 2025 DSL audit was tabled at the event"
    agreed = next(i for i in after["agenda"] if i["fingerprint"] == round_trip["decided"]["agreed"])
    assert agreed["status"] == "action_agreed"


def test_dismissing_a_capping_flag_lifts_the_assured_rating(round_trip: dict[str, Any]) -> None:
    def s11_2(report: dict[str, Any]) -> dict[str, Any]:
        row = next(r for r in report["frameworks"][0]["heatmap"] if r["agency"] == "council")
        return next(c for c in row["cells"] if c["standard"] == "S11-2")

    assert s11_2(round_trip["before"])["assured_rag"] == "amber"
    assert s11_2(round_trip["after"])["assured_rag"] == "green"


def test_moderated_ratings_beside_self_and_assured(round_trip: dict[str, Any]) -> None:
    after = _council(round_trip["after"])
    assert after["moderated"] == [
        {
            "criterion": "S11-5.1",
            "standard": "S11-5",
            "self_level": "red",
            "self_rag": "red",
            "assured_rag": "red",
            "moderated_level": "amber",
            "moderated_rag": "amber",
        }
    ]
    standard = next(s for s in after["standards"] if s["standard"] == "S11-5")
    assert (standard["self_rag"], standard["assured_rag"], standard["moderated_rag"]) == (
        "red",
        "red",
        "amber",
    )
    assert [d["decision"] for d in after["decisions"]] == [
        "dismissed",
        "rating_revised",
        "action_agreed",
    ]
    assert _council(round_trip["before"])["moderated"] == []


def test_html_shows_moderated_dismissed_and_decisions(round_trip: dict[str, Any]) -> None:
    page = round_trip["html"]
    parsed = parse(page)
    council = [t for t in parsed.tables if t.section == "agency-council"]
    moderated = next(t for t in council if t.caption.startswith("Moderated ratings"))
    row = moderated.body_rows()[0]
    assert [c.text.split()[0] for c in row] == ["S11-5.1", "Red", "Red", "Amber"]
    dismissed = next(t for t in council if t.caption.startswith("Flags dismissed by the panel"))
    assert "(1)" in dismissed.caption
    assert "A 2025 DSL audit was tabled at the event" in dismissed.body_rows()[0][-1].text
    decisions = next(t for t in council if t.caption.startswith("Panel decisions"))
    assert len(decisions.body_rows()) == 3
    assert all(row[5].text == "Independent chair" for row in decisions.body_rows())
    heat = parsed.tables_of("heatmap")[0]
    council_row = next(r for r in heat.body_rows() if r[0].text == "Northshire Council")
    cell = next(c for c in council_row if c.attrs.get("data-standard") == "S11-5")
    assert "Assured: Red" in cell.text
    assert "Moderated: Amber" in cell.text
    assert round_trip["decided"]["dismissed"] not in parsed.agendas["agency-council"]


def test_markdown_shows_moderated_and_dismissed(round_trip: dict[str, Any]) -> None:
    text = round_trip["markdown"].split("## Northshire Council\n")[1].split("\n## ")[0]
    assert "| S11-5.1 | Red | Red | Amber (amber) |" in text
    assert "### Flags dismissed by the panel (1)" in text
    assert "1 decided by the panel · 1 dismissed" in text


def test_evaluate_command_applies_the_same_outcomes(
    round_trip: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    files = round_trip["files"]
    code = main(
        [
            "--no-entry-points",
            "evaluate",
            str(files["current"] / "council.yaml"),
            "--previous",
            str(files["previous"] / "council.yaml"),
            "--outcomes",
            str(round_trip["outcomes"]),
            "--format",
            "json",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 1  # open high-severity flags remain
    ev = json.loads(out)
    statuses = {f["fingerprint"]: f["status"] for f in ev["flags"]}
    assert statuses[round_trip["decided"]["dismissed"]] == "dismissed"
    assert statuses[round_trip["decided"]["agreed"]] == "action_agreed"
    crit = next(c for c in ev["criteria"] if c["criterion"] == "S11-5.1")
    assert (crit["self_rag"], crit["assured_rag"], crit["moderated_rag"]) == ("red", "red", "amber")


def test_outcomes_are_history_the_latest_decision_applies(registry: Registry) -> None:
    ret = build(agency_data(registry, "council", {"responses": {"S11-1.3": {"evidence": []}}}))
    engine = Engine(registry)
    fingerprint = engine.evaluate(ret).flags[0].fingerprint
    first = outcome("council", "dismissed", "Evidence seen", flag=fingerprint)
    second = outcome("council", "accepted", "Reopened: the evidence was a draft", flag=fingerprint)
    second["decided_on"] = "2025-07-01"
    ev = engine.evaluate(ret, outcomes=Outcomes.model_validate({"outcomes": [second, first]}))
    assert ev.flag(fingerprint).status == "accepted"
    assert [o.decision for o in ev.outcomes] == ["dismissed", "accepted"]


def test_a_bad_outcomes_file_names_each_problem(
    tmp_path: Path, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_partnership(tmp_path / "partnership", registry)
    bad = tmp_path / "outcomes.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "outcomes": [
                    outcome("council", "rating_revised", "x", criterion="S11-5.1"),
                    {**outcome("police", "dismissed", "y"), "decision": "ignored"},
                ]
            }
        ),
        encoding="utf-8",
    )
    code = main(["--no-entry-points", "partnership", str(files["current"]), "--outcomes", str(bad)])
    _, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert all(line.startswith(str(bad)) for line in lines)
    assert any("needs the 'moderated' rating" in line for line in lines)
    assert any("decision" in line for line in lines)


# --- outcomes and their targets -------------------------------------------------------


def test_rating_revised_on_a_flag_moderates_its_criterion(registry: Registry) -> None:
    ret = build(agency_data(registry, "council", {"responses": {"S11-1.3": {"evidence": []}}}))
    engine = Engine(registry)
    flag = engine.evaluate(ret).flags[0]
    revised = outcome("council", "rating_revised", "Panel view", flag=flag.fingerprint)
    revised["moderated"] = "red"
    ev = engine.evaluate(ret, outcomes=Outcomes.model_validate({"outcomes": [revised]}))
    crit = next(c for c in ev.criteria if c.criterion == flag.criterion)
    assert (crit.assured_rag, crit.moderated_rag) == (RAG.AMBER, RAG.RED)


def test_an_expired_outcome_does_not_apply_to_the_next_cycle(registry: Registry) -> None:
    this_year = agency_data(registry, "council")
    next_year = {
        **this_year,
        "period": {"start": "2025-04-01", "end": "2026-03-31"},
        "deadline": "2026-05-31",
        "submitted": "2026-05-15",
    }
    revised = outcome("council", "rating_revised", "For this cycle", criterion="S11-5.1")
    revised.update(moderated="red", expires="2025-12-31")
    outcomes = Outcomes.model_validate({"outcomes": [revised]})
    engine = Engine(registry)
    now = engine.evaluate(build(this_year), outcomes=outcomes)
    assert next(c for c in now.criteria if c.criterion == "S11-5.1").moderated_rag is RAG.RED
    later = engine.evaluate(build(next_year), outcomes=outcomes)
    assert all(c.moderated_rag is None for c in later.criteria)
