"""Blank returns made from a framework, filled in as a person would, read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from safeguard_qa.cli import main
from safeguard_qa.errors import InputError, ReturnError
from safeguard_qa.io import write_template
from safeguard_qa.loaders.returns import check_return, load_return
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry
from tests.factories import green_level


def _write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _applicable(registry: Registry, framework_id: str, agency_type: str) -> list[str]:
    framework = registry.framework(framework_id)
    return [c.id for c in framework.criteria.values() if c.applies(agency_type, None)]


# --- YAML ------------------------------------------------------------------------------


def test_yaml_template_explains_each_criterion_in_comments(registry: Registry) -> None:
    text = write_template(registry.framework("s11-wt2023"), registry, "yaml", "police")
    assert isinstance(text, str)
    framework = registry.framework("s11-wt2023")
    first = framework.standards[0].criteria[0]
    assert f"# {first.id}: {first.text.split()[0]}" in text
    assert f"evidence: {first.evidence_prompts[0]}" in text
    assert "rating: null  # red, amber, green, blue, na" in text
    assert "na (not applicable) may be used by non-statutory agencies only" in text


def test_yaml_template_holds_only_the_criteria_for_the_agency_type(registry: Registry) -> None:
    framework = registry.framework("s11-wt2023")
    police = yaml.safe_load(str(write_template(framework, registry, "yaml", "police")))
    health = yaml.safe_load(str(write_template(framework, registry, "yaml", "health")))
    health_only = next(c.id for c in framework.criteria.values() if c.applies_to == ("health",))
    police_ids = [r["criterion"] for r in police["responses"]]
    assert police_ids == _applicable(registry, "s11-wt2023", "police")
    assert health_only not in police_ids
    assert health_only in [r["criterion"] for r in health["responses"]]
    assert police["agency"]["type"] == "police"


def test_filled_in_yaml_template_loads_and_fits_its_framework(
    registry: Registry, tmp_path: Path
) -> None:
    framework = registry.framework("s175-kcsie")
    data = yaml.safe_load(str(write_template(framework, registry, "yaml", "academy")))
    data["agency"].update(id="oak-academy", name="Oak Academy")
    data["period"] = {"start": dt.date(2024, 9, 1), "end": dt.date(2025, 8, 31)}
    data["sign_off"] = {"name": "A. Head", "role": "Headteacher", "date": dt.date(2025, 9, 10)}
    for response in data["responses"]:
        if "rating" in response:
            response["rating"] = green_level(registry, framework, response["criterion"])
        if "value" in response:
            response["value"] = 100
    path = _write(tmp_path / "oak.yaml", yaml.safe_dump(data))
    ret = load_return(path)
    assert ret.agency.type == "academy"
    assert [p for p in check_return(ret, registry, str(path)) if p.level == "error"] == []


def test_blank_yaml_template_names_what_is_missing(registry: Registry, tmp_path: Path) -> None:
    text = write_template(registry.framework("s11-wt2023"), registry, "yaml", "police")
    path = _write(tmp_path / "blank.yaml", text)
    with pytest.raises(ReturnError) as caught:
        load_return(path)
    places = {p.place for p in caught.value.problems}
    assert {"agency › id", "period › start", "period › end"} <= places


def test_agency_type_the_framework_is_not_for_is_an_error(registry: Registry) -> None:
    with pytest.raises(InputError, match="s175-kcsie is for school_maintained"):
        write_template(registry.framework("s175-kcsie"), registry, "yaml", "police")


# --- CSV -------------------------------------------------------------------------------


def test_filled_in_csv_template_loads(registry: Registry, tmp_path: Path) -> None:
    text = str(write_template(registry.framework("s11-wt2023"), registry, "csv", "police"))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["guide"] == "Framework id"
    answers = {
        "agency.id": "police-north",
        "agency.name": "North Police",
        "period.start": "01/04/2024",
        "period.end": "2025-03-31",
    }
    for row in rows:
        if row["record"] == "return" and row["field"] in answers:
            row["text"] = answers[row["field"]]
        elif row["record"] == "response" and "Rating: one of" in row["guide"]:
            row["rating"] = "green"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    ret = load_return(_write(tmp_path / "north.csv", out.getvalue()))
    assert ret.period.start == dt.date(2024, 4, 1)
    assert [r.criterion for r in ret.responses] == _applicable(registry, "s11-wt2023", "police")
    assert ret.sign_off is None
    assert ret.deadline is None


# --- XLSX ------------------------------------------------------------------------------


def _choices(ws: Worksheet, coordinate: str) -> list[str]:
    """The drop-down list on a cell, as Excel would offer it."""
    for validation in ws.data_validations.dataValidation:
        if validation.type == "list" and coordinate in validation.sqref:
            return str(validation.formula1).strip('"').split(",")
    return []


def _pick(choice: str) -> Any:
    """What Excel stores when a person picks ``choice``: "2" becomes the number 2."""
    return int(choice) if choice.isdigit() else choice


def _column(ws: Worksheet, label: str) -> int:
    return next(c.column for c in ws[2] if c.value == label)


def _fill_return_sheet(ws: Worksheet) -> None:
    by_label = {ws.cell(row=r, column=2).value: r for r in range(3, ws.max_row + 1)}
    answers: dict[str, Any] = {
        "Agency id (short, no spaces, e.g. police-north)": "police-north",
        "Agency name": "North Police, Child Protection",
        "Period start": dt.datetime(2024, 4, 1),
        "Period end": dt.datetime(2025, 3, 31),
        "Deadline for the return": "31/05/2025",
        "Date submitted": dt.datetime(2025, 5, 20),
        "Signed off by (name)": "A. Person",
        "Signed off by (role)": "Chief Constable",
        "Date signed off": dt.datetime(2025, 5, 19),
    }
    for label, value in answers.items():
        ws.cell(row=by_label[label], column=3).value = value
    statutory = ws.cell(row=by_label["Under a statutory safeguarding duty? (yes / no)"], column=3)
    assert _choices(ws, statutory.coordinate) == ["yes", "no"]
    statutory.value = "yes"


def _fill_responses(ws: Worksheet) -> dict[str, dict[str, Any]]:
    """Pick a rating from each drop-down; what each response should read back as."""
    rating_col, figure_col = _column(ws, "Rating"), _column(ws, "Figure")
    comment_col = _column(ws, "Commentary")
    expected: dict[str, dict[str, Any]] = {}
    for row in range(3, ws.max_row + 1):
        ref = str(ws.cell(row=row, column=2).value)
        answer: dict[str, Any] = {"criterion": ref}
        rating = ws.cell(row=row, column=rating_col)
        choices = _choices(ws, rating.coordinate)
        if choices:
            picked = choices[row % (len(choices) - 1)]  # never "na": the agency is statutory
            rating.value = _pick(picked)
            answer["rating"] = picked
        if "Figure:" in str(ws.cell(row=row, column=4).value):
            ws.cell(row=row, column=figure_col).value = 92.5
            answer["value"] = 92.5
        if row % 3 == 0:
            ws.cell(row=row, column=comment_col).value = f"Checked by the lead; see {ref}"
            answer["commentary"] = f"Checked by the lead; see {ref}"
        expected[ref] = answer
    return expected


def _fill_items(wb: Any, expected: dict[str, dict[str, Any]]) -> None:
    evidence, actions = wb["Evidence"], wb["Actions"]
    refs = list(expected)
    assert _choices(actions, "F3") == ["not_started", "in_progress", "complete"]
    for number, ref in enumerate(refs[:3]):
        row = 3 + number
        evidence.cell(row=row, column=2).value = ref
        evidence.cell(row=row, column=3).value = f"=Audit report {number}"  # typed as text
        evidence.cell(row=row, column=3).data_type = "s"
        evidence.cell(row=row, column=5).value = dt.datetime(2025, 1, 10 + number)
        expected[ref]["evidence"] = [
            {"description": f"=Audit report {number}", "date": dt.date(2025, 1, 10 + number)}
        ]
    actions.cell(row=3, column=2).value = refs[1]
    actions.cell(row=3, column=3).value = "Refresh the training plan"
    actions.cell(row=3, column=4).value = "Training lead"
    actions.cell(row=3, column=5).value = dt.datetime(2025, 9, 30)
    actions.cell(row=3, column=6).value = "in_progress"
    expected[refs[1]]["actions"] = [
        {
            "description": "Refresh the training plan",
            "owner": "Training lead",
            "due": dt.date(2025, 9, 30),
            "status": "in_progress",
        }
    ]


def _move_row(ws: Worksheet, source: int, target: int) -> None:
    """Cut a whole row and insert it elsewhere, hidden cells and all."""
    values = [c.value for c in ws[source]]
    ws.delete_rows(source)
    ws.insert_rows(target)
    for column, value in enumerate(values, 1):
        ws.cell(row=target, column=column).value = value


def test_xlsx_template_filled_in_as_a_person_would_reads_back(
    registry: Registry, tmp_path: Path
) -> None:
    template = _write(
        tmp_path / "template.xlsx",
        write_template(registry.framework("s11-wt2023"), registry, "xlsx", "police"),
    )
    wb = load_workbook(template)
    assert wb.sheetnames[:5] == ["Instructions", "Return", "Responses", "Evidence", "Actions"]
    _fill_return_sheet(wb["Return"])
    responses = wb["Responses"]
    expected = _fill_responses(responses)
    _fill_items(wb, expected)
    _move_row(responses, 4, 12)
    responses.cell(row=2, column=_column(responses, "Rating")).value = "Our rating"
    responses.title = "Answers"
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    ret = load_return(filled)

    assert ret == Return.model_validate(
        {
            "framework": "s11-wt2023",
            "framework_version": registry.framework("s11-wt2023").version,
            "agency": {
                "id": "police-north",
                "name": "North Police, Child Protection",
                "type": "police",
                "statutory": True,
            },
            "period": {"start": "2024-04-01", "end": "2025-03-31"},
            "deadline": "2025-05-31",
            "submitted": "2025-05-20",
            "sign_off": {"name": "A. Person", "role": "Chief Constable", "date": "2025-05-19"},
            "responses": [expected[c] for c in _applicable(registry, "s11-wt2023", "police")],
        }
    )
    assert [p for p in check_return(ret, registry) if p.level == "error"] == []


def test_xlsx_template_has_a_rating_drop_down_on_every_rated_criterion(
    registry: Registry, tmp_path: Path
) -> None:
    """Drop-downs show each level as people know it; numeric items are answered by figure."""
    framework = registry.framework("s175-kcsie")
    path = _write(tmp_path / "t.xlsx", write_template(framework, registry, "xlsx", "academy"))
    ws = load_workbook(path)["Responses"]
    rating_col = _column(ws, "Rating")
    assert ws.row_dimensions[1].hidden
    assert ws.column_dimensions["A"].hidden
    assert ws.freeze_panes == "C3"
    seen = set()
    for row in range(3, ws.max_row + 1):
        criterion = framework.criteria[str(ws.cell(row=row, column=2).value)]
        choices = _choices(ws, ws.cell(row=row, column=rating_col).coordinate)
        scale = registry.scale_for(framework, criterion)
        if criterion.answer.type in ("narrative", "numeric") or scale is None:
            assert choices == [], criterion.id
            continue
        labels = [lv.label for lv in scale.levels]
        if scale.id == "reversed4":
            assert labels == [
                "1 - fully embedded",
                "2 - in place",
                "3 - partly in place",
                "4 - not in place",
            ]
        assert choices == [*labels, "N/A"], criterion.id
        seen.add(scale.id)
    assert {"reversed4", "yes_no"} <= seen


def test_template_cli_writes_each_format(tmp_path: Path) -> None:
    for name in ("t.yaml", "t.csv", "t.xlsx"):
        args = ["template", "s11-key-features", "--agency-type", "health", "-o", tmp_path / name]
        assert main(["--no-entry-points", *map(str, args)]) == 0
    assert load_workbook(tmp_path / "t.xlsx")["Return"]["C7"].value == "health"
    assert "framework: " in (tmp_path / "t.yaml").read_text(encoding="utf-8")


def test_template_cli_refuses_xlsx_to_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-entry-points", "template", "s11-wt2023", "--format", "xlsx"]) == 2
    assert "give an output file with -o" in capsys.readouterr().err


def test_descriptors_and_references_travel_in_every_template_format(registry: Registry) -> None:
    import csv
    import io as text_io

    from openpyxl import load_workbook

    tool = registry.framework("macfa-practice")
    voice = tool.criteria["practice.voice"]
    outstanding = voice.descriptors["outstanding"].strip()
    yaml_text = write_template(tool, registry, "yaml", None)
    assert isinstance(yaml_text, str)
    assert "#     outstanding: " in yaml_text
    csv_text = write_template(tool, registry, "csv", None)
    assert isinstance(csv_text, str)
    assert any(
        outstanding in cell for row in csv.reader(text_io.StringIO(csv_text)) for cell in row
    )
    workbook = write_template(tool, registry, "xlsx", None)
    assert isinstance(workbook, bytes)
    cells = [
        str(cell.value)
        for ws in load_workbook(text_io.BytesIO(workbook)).worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value
    ]
    assert any(outstanding in cell for cell in cells)
    kcsie = registry.framework("s175-kcsie")
    referenced = next(c for c in kcsie.criteria.values() if c.references)
    kcsie_yaml = write_template(kcsie, registry, "yaml", None)
    assert isinstance(kcsie_yaml, str)
    assert f"references: {referenced.references[0]}" in kcsie_yaml
