"""Audit files: the example loads, every problem is reported with its place, personal data is
refused without being repeated, and the audit tool is an installed framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.audit import (
    AuditError,
    check_mapping,
    load_mapping,
    load_programme,
    load_round,
    load_survey,
)
from safeguard_qa.audit.loaders import MAPPINGS_DIR
from safeguard_qa.audit.privacy import personal_data_kind
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "audit"
CURRENT = EXAMPLE / "2025-neglect.yaml"


def example_data() -> dict[str, Any]:
    data = yaml.safe_load(CURRENT.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: Any, name: str = "round.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems(tmp_path: Path, data: Any, registry: Registry) -> list[str]:
    with pytest.raises(AuditError) as caught:
        load_round(write(tmp_path, data), registry)
    return [f"{p.place}: {p.message}" for p in caught.value.problems]


def test_the_audit_tool_is_an_installed_framework(registry: Registry) -> None:
    tool = registry.framework("macfa-practice")
    assert tool.kind == "audit_tool"
    assert tool.scale == "ofsted4"
    assert len(tool.criteria) == 10
    assert all(
        set(c.descriptors) == {"outstanding", "good", "requires_improvement", "inadequate"}
        for c in tool.criteria.values()
    )
    assert [c.id for c in tool.criteria.values() if "impact" in c.tags] == ["practice.impact"]


def test_example_files_load(registry: Registry) -> None:
    current = load_round(CURRENT, registry)
    assert current.round.theme == "neglect"
    assert len(current.cases) == 6
    assert len(current.agencies) == 5
    assert load_round(EXAMPLE / "2024-neglect.yaml", registry).round.theme == "neglect"
    assert len(load_programme(EXAMPLE / "programme.yaml").rounds) == 4
    assert load_survey(EXAMPLE / "practitioner-survey-2025.yaml").results
    mapping = load_mapping(MAPPINGS_DIR / "s11-wt2023.yaml")
    assert check_mapping(mapping, registry) == []


def test_a_round_in_json_loads_too(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(example_data(), default=str), encoding="utf-8")
    assert len(load_round(path, registry).reviews) == 22


def test_every_problem_is_reported_at_once_with_its_place(
    tmp_path: Path, registry: Registry
) -> None:
    data = example_data()
    data["cases"][1]["age_band"] = "11"
    data["reviews"][2]["practitioner_involved"] = "perhaps"
    data["reviews"][2]["colour"] = "blue"
    found = problems(tmp_path, data, registry)
    assert len(found) == 3
    assert found[0].startswith("case C-2 › age_band: input should be 'unborn'")
    assert found[1].startswith("case C-1 › agency northshire-hospitals › practitioner_involved:")
    assert found[2].startswith("case C-1 › agency northshire-hospitals › colour: unknown field")


def test_tool_and_sample_problems_are_placed_with_did_you_mean(
    tmp_path: Path, registry: Registry
) -> None:
    data = example_data()
    data["reviews"][4]["grades"]["practice.voice"]["grade"] = "goood"
    data["reviews"][4]["grades"]["practice.voise"] = {"grade": "good"}
    data["reviews"][0]["case"] = "C-9"
    data["meeting"]["cases"][0]["agency_grades"] = {"northshire-polce": {"practice.voice": "good"}}
    data["meeting"]["recommendations"][0]["learning"] = ["L7"]
    found = problems(tmp_path, data, registry)
    assert (
        "case C-2 › agency northshire-cc › domain practice.voice › grade: unknown grade 'goood'; "
        "did you mean 'good'?"
    ) in "\n".join(found)
    assert any(
        p.startswith("case C-2 › agency northshire-cc › domain practice.voise: unknown domain")
        and "did you mean 'practice.voice'?" in p
        for p in found
    )
    assert any(
        p.startswith("case C-9 › agency northshire-cc › case: unknown case 'C-9'") for p in found
    )
    assert any(
        p.startswith("meeting › case C-1 › agency northshire-polce: unknown agency")
        and "did you mean 'northshire-police'?" in p
        for p in found
    )
    assert any(
        p.startswith("meeting › recommendation R1 › learning: unknown learning point 'L7'")
        for p in found
    )


def test_a_review_of_an_agency_not_involved_is_refused(tmp_path: Path, registry: Registry) -> None:
    data = example_data()
    data["cases"][0]["agencies"].remove("northshire-police")
    found = problems(tmp_path, data, registry)
    assert found == [
        "case C-1 › agency northshire-police: agency 'northshire-police' is not listed as "
        "involved in case C-1; add it to the case's agencies or remove the review"
    ]


def test_overall_better_than_impact_needs_a_reason(tmp_path: Path, registry: Registry) -> None:
    data = example_data()
    data["meeting"]["cases"][2]["overall"] = "good"  # C-3: impact inadequate
    found = problems(tmp_path, data, registry)
    assert found == [
        "meeting › case C-3 › overall: the overall grade (Good) is better than the impact grade "
        "(Inadequate); give overall_reason, or grade no higher than impact"
    ]
    data["meeting"]["cases"][2]["overall_reason"] = "Risk removed by a move to kinship care."
    assert load_round(write(tmp_path, data), registry).meeting is not None


def test_an_audit_round_must_use_an_audit_tool(tmp_path: Path, registry: Registry) -> None:
    data = example_data()
    data["round"]["tool"] = "s11-wt2023"
    assert problems(tmp_path, data, registry) == [
        "round › tool: framework s11-wt2023 is a self-assessment framework, not an audit tool"
    ]


def test_a_smaller_sample_than_planned_is_a_warning_not_an_error(
    tmp_path: Path, registry: Registry
) -> None:
    from safeguard_qa.audit import validated_round

    data = example_data()
    data["round"]["sample_size"] = 7
    _, _, warnings = validated_round(write(tmp_path, data), registry)
    assert [w.message for w in warnings] == [
        "the round planned a sample of 7 cases; the file has 6"
    ]


PERSONAL = [
    ("an NHS number", "Seen at clinic, NHS 943 476 5919 checked."),
    ("an NHS number", "Record 9434765919 reviewed."),
    ("a postcode", "Family moved to NE1 4XY last spring."),
    ("a date of birth", "DOB: 12/03/2019"),
    ("a date of birth", "born on 3 March 2019"),
    ("a street address", "Visited at 12 Acacia Avenue."),
    ("a person's name (a title followed by a name)", "Mrs Jones attended the core group."),
]


@pytest.mark.parametrize(("kind", "text"), PERSONAL, ids=[t for _, t in PERSONAL])
def test_personal_data_in_text_is_refused_without_repeating_it(
    tmp_path: Path, registry: Registry, kind: str, text: str
) -> None:
    data = example_data()
    data["reviews"][1]["gaps"] = text
    found = problems(tmp_path, data, registry)
    assert len(found) == 1
    assert found[0].startswith(
        f"case C-1 › agency northshire-police › gaps: this text looks like {kind};"
    )
    for fragment in text.replace(",", " ").replace(".", " ").split():
        if any(ch.isdigit() for ch in fragment) or fragment in ("Jones", "Acacia", "NE1"):
            assert fragment not in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "Core group held 12/03/2025; plan reviewed within 10 working days.",
        "Key Stage KS2 1st term attendance 91%.",
        "Section 47 enquiry completed on day 3; 2 home visits.",
        "Unborn baby referred at 20 weeks.",
        "Ms attended? no: the mother attended.",
    ],
)
def test_ordinary_practice_text_is_not_mistaken_for_personal_data(text: str) -> None:
    assert personal_data_kind(text) is None


def test_a_case_reference_that_looks_like_a_system_number_is_refused_and_not_repeated(
    tmp_path: Path, registry: Registry
) -> None:
    data = example_data()
    data["cases"][2]["ref"] = "9434765919"
    for review in data["reviews"]:
        if review["case"] == "C-3":
            review["case"] = "9434765919"
    found = problems(tmp_path, data, registry)
    assert found
    assert all("9434765919" not in p for p in found)
    assert found[0].startswith("case 3 › ref: ")


@pytest.mark.parametrize("field", ["name", "dob", "address", "postcode", "nhs_number"])
def test_personal_fields_are_unknown_fields(tmp_path: Path, registry: Registry, field: str) -> None:
    data = example_data()
    data["cases"][0][field] = "x"
    found = problems(tmp_path, data, registry)
    assert found == [
        f"case C-1 › {field}: unknown field {field!r}; expected one of: age_band, agencies, "
        "level_of_need, ref"
    ]


def test_survey_results_must_name_a_question_and_fit_the_respondents(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLE / "practitioner-survey-2025.yaml").read_text(encoding="utf-8"))
    data["results"][0]["question"] = "voise"
    with pytest.raises(AuditError) as caught:
        load_survey(write(tmp_path, data, "survey.yaml"))
    assert str(caught.value.problems[0]).endswith(
        "agency northshire-cc › question voise: unknown question 'voise'; did you mean 'voice'? "
        "(expected one of: voice, communication, escalation, escalation_support, "
        "information_sharing, supervision, thresholds, learning)"
    )
    data["results"][0] = {
        "agency": "northshire-cc",
        "question": "voice",
        "respondents": 3,
        "agreeing": 4,
    }
    with pytest.raises(AuditError) as caught:
        load_survey(write(tmp_path, data, "survey.yaml"))
    assert caught.value.problems[0].place == "agency northshire-cc › question voice"
    assert "agreeing (4) is more than respondents (3)" in caught.value.problems[0].message


def test_empty_and_wrong_shaped_files_say_what_was_expected(
    tmp_path: Path, registry: Registry
) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(AuditError, match="the file is empty; expected an audit round"):
        load_round(path, registry)
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(AuditError, match="expected a mapping"):
        load_round(path, registry)


AUDIT_SCHEMAS = {
    "audit-round": "AuditRound",
    "audit-programme": "Programme",
    "audit-survey": "Survey",
    "audit-mapping": "CriterionMapping",
    "audit-findings": "AuditFindings",
}


def audit_schema_text(name: str) -> str:
    """As ``safeguard_qa.schemas.schema_text`` would write it once the audit models are listed."""
    import safeguard_qa.audit as audit

    model = getattr(audit, AUDIT_SCHEMAS[name])
    mode = "serialization" if name == "audit-findings" else "validation"
    schema = model.model_json_schema(mode=mode)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://safeguard-qa.invalid/schemas/{name}.schema.json"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", sorted(AUDIT_SCHEMAS))
def test_committed_audit_schemas_are_fresh(name: str) -> None:
    path = ROOT / "schemas" / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == audit_schema_text(name), (
        f"{path.name} is stale: regenerate it"
    )
