"""Stored results read back: evaluations and partnership reports from their JSON, with the
schema version checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import safeguard_qa.stored
from safeguard_qa import (
    Engine,
    Evaluation,
    InputError,
    PartnershipReport,
    StoredResultError,
    evaluate_partnership,
    load_evaluation,
    load_evaluations,
    load_outcomes,
    load_partnership_report,
    load_policy,
    load_return,
)
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PARTNERSHIP = EXAMPLES / "partnership"


@pytest.fixture(scope="module")
def evaluation(registry: Registry) -> Evaluation:
    previous = load_return(EXAMPLES / "returns" / "previous" / "police-2024.yaml")
    return Engine(registry).evaluate(
        load_return(EXAMPLES / "returns" / "police.yaml"), previous=previous
    )


@pytest.fixture(scope="module")
def report(registry: Registry) -> PartnershipReport:
    return evaluate_partnership(
        [load_return(p) for p in sorted((PARTNERSHIP / "2025").glob("*.yaml"))],
        registry=registry,
        policy=load_policy(PARTNERSHIP / "policy.yaml", registry),
        expected=load_expected(PARTNERSHIP / "expected-agencies.yaml"),
        previous_returns=[load_return(p) for p in sorted((PARTNERSHIP / "2024").glob("*.yaml"))],
        outcomes=load_outcomes(PARTNERSHIP / "outcomes.yaml"),
    )


def test_an_evaluation_reads_back_equal_from_text_bytes_and_a_file(
    evaluation: Evaluation, tmp_path: Path
) -> None:
    text = evaluation.model_dump_json()
    path = tmp_path / "evaluation.json"
    path.write_text(text, encoding="utf-8")
    assert evaluation.flags, "the example should raise flags, so the round trip covers them"
    assert load_evaluation(text) == evaluation
    assert load_evaluation(text.encode()) == evaluation
    assert load_evaluation(path) == evaluation
    assert load_evaluation(path).model_dump_json() == text


def test_the_json_format_reads_back_one_or_many(evaluation: Evaluation, registry: Registry) -> None:
    renderer = registry.renderers["json"]
    assert renderer.evaluations is not None
    from safeguard_qa.report.base import RenderOptions

    one = renderer.evaluations([evaluation], RenderOptions())
    two = renderer.evaluations([evaluation, evaluation], RenderOptions())
    assert isinstance(one, str)
    assert isinstance(two, str)
    assert load_evaluation(one) == evaluation
    assert load_evaluations(two) == [evaluation, evaluation]
    assert load_evaluations(one) == [evaluation]


def test_a_partnership_report_reads_back_equal(report: PartnershipReport, tmp_path: Path) -> None:
    assert report.agencies
    text = report.model_dump_json()
    assert load_partnership_report(text) == report
    path = tmp_path / "pack.json"
    path.write_text(text, encoding="utf-8")
    assert load_partnership_report(path) == report


def _with_version(model: Evaluation | PartnershipReport, version: object) -> str:
    data = json.loads(model.model_dump_json())
    data["schema_version"] = version
    return json.dumps(data)


def test_a_newer_major_version_is_refused_saying_to_upgrade(
    evaluation: Evaluation, report: PartnershipReport
) -> None:
    with pytest.raises(StoredResultError) as info:
        load_evaluation(_with_version(evaluation, "2"))
    assert str(info.value) == (
        "stored result: schema_version: this evaluation was written by a newer safeguard-qa "
        "(schema version 2); this one reads evaluations up to version 1: upgrade safeguard-qa "
        "to read it"
    )
    assert info.value.problems[0].code == "newer-schema-version"
    with pytest.raises(StoredResultError, match=r"newer safeguard-qa.*partnership reports"):
        load_partnership_report(_with_version(report, "3.0"))


def test_a_minor_version_of_the_same_major_is_read(evaluation: Evaluation) -> None:
    assert load_evaluation(_with_version(evaluation, "1.4")) == evaluation


def test_an_older_version_is_read_through_its_upgrade_or_refused(
    evaluation: Evaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = json.loads(evaluation.model_dump_json())
    old["schema_version"] = "0"
    old["id"] = old.pop("return_id")  # what a version 0 might have called it
    with pytest.raises(StoredResultError, match="schema version 0 are no longer read"):
        load_evaluation(json.dumps(old))

    def upgrade(data: dict[str, object]) -> dict[str, object]:
        data = dict(data)
        data["return_id"] = data.pop("id")
        return data

    monkeypatch.setattr(safeguard_qa.stored, "UPGRADES", {("evaluation", 0): upgrade})
    assert load_evaluation(json.dumps(old)) == evaluation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", "stored result: expected a stored evaluation (a JSON object); found an array"),
        ("{", "stored result: line 1, column 2: invalid JSON"),
        (b"\xff\xfe{}", "stored result: expected JSON text in UTF-8"),
        ('{"schema_version": "one"}', "schema_version: expected a version number such as '1'"),
        ('{"schema_version": "1"}', "stored result: return_id: required field is missing"),
    ],
)
def test_what_cannot_be_read_back_is_a_placed_input_error(text: str | bytes, expected: str) -> None:
    with pytest.raises(InputError) as info:
        load_evaluation(text)
    assert isinstance(info.value, StoredResultError)
    assert expected in str(info.value)


def test_a_string_is_never_taken_for_a_file_name(tmp_path: Path) -> None:
    path = tmp_path / "evaluation.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(StoredResultError, match="invalid JSON"):
        load_evaluation(str(path))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoredResultError, match=r"missing\.json: no such file"):
        load_evaluation(tmp_path / "missing.json")
