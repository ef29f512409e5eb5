"""The library embedded the way a web service would use it: uploads as bytes, problems as
data, one engine shared by worker threads, results stored as JSON and read back, and
nothing run from the folder the service happens to start in."""

from __future__ import annotations

import builtins
import io
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import safeguard_qa
from safeguard_qa import (
    ConfigurationError,
    Engine,
    Limits,
    Policy,
    Problem,
    ReturnError,
    load_evaluation,
    load_registry,
    load_return,
    read_framework,
    read_outcomes,
    read_policy,
    read_return,
    validate,
    write_return,
)
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
RETURN_FILES = sorted((EXAMPLES / "returns").glob("*.y*ml")) + sorted(
    (EXAMPLES / "returns").glob("*.json")
)


@pytest.fixture(scope="module")
def returns() -> list[Return]:
    return [load_return(path) for path in RETURN_FILES]


def _as_bytes(data: str | bytes) -> bytes:
    """What a web service receives: the file's bytes."""
    return data if isinstance(data, bytes) else data.encode("utf-8")


# --- bytes in -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv", "xlsx"])
def test_an_upload_reads_to_the_same_return_as_the_file(
    fmt: str, returns: list[Return], registry: Registry
) -> None:
    for ret in returns:
        upload = _as_bytes(write_return(ret, fmt))
        assert read_return(upload, format=fmt, registry=registry) == ret
        stream = io.BytesIO(upload)
        assert read_return(stream, format=fmt, registry=registry) == ret


def test_problems_in_an_upload_name_the_upload_not_a_temporary_file(registry: Registry) -> None:
    with pytest.raises(ReturnError) as info:
        read_return(b"PK\x03\x04 not really a workbook", format="xlsx", name="police.xlsx")
    assert [p.file for p in info.value.problems] == ["police.xlsx"]
    assert "expected an Excel .xlsx workbook" in str(info.value)
    with pytest.raises(ReturnError) as info:
        read_return(b"framework: [unclosed", format="yaml", name="form-42")
    assert str(info.value).startswith("form-42: line ")


def test_an_endless_stream_is_cut_off_at_the_size_limit(tmp_path: Path) -> None:
    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    old = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        with pytest.raises(ReturnError, match=r"upload: the upload is over the limit of 3,000,000"):
            read_return(Endless(), format="yaml", limits=Limits(max_bytes=3_000_000))  # type: ignore[arg-type]
    finally:
        tempfile.tempdir = old
    assert list(scratch.iterdir()) == [], "the private temporary folder is removed"


def test_an_upload_over_the_limit_is_refused_like_a_file() -> None:
    with pytest.raises(ReturnError, match=r"over the limit of 100 .*SAFEGUARD_QA_MAX_BYTES"):
        read_return(b"a: " + b"x" * 200, format="yaml", limits=Limits(max_bytes=100))


def test_an_unknown_format_is_the_callers_mistake_not_the_uploads() -> None:
    with pytest.raises(ConfigurationError, match="unknown format 'docx'; expected one of yaml"):
        read_return(b"", format="docx")
    with pytest.raises(ConfigurationError, match="give the format"):
        validate(b"framework: x")


def test_frameworks_policies_and_outcomes_read_from_bytes(registry: Registry) -> None:
    framework_path = ROOT / "standards" / "s11-eight-features.yaml"
    framework = read_framework(framework_path.read_bytes(), registry=registry)
    assert framework.id == registry.framework(framework.id, framework.version).id
    policy = read_policy(
        (EXAMPLES / "policy.yaml").read_bytes(), registry=registry, name="policy.yaml"
    )
    assert policy == safeguard_qa.load_policy(EXAMPLES / "policy.yaml", registry)
    outcomes_path = EXAMPLES / "partnership" / "outcomes.yaml"
    assert read_outcomes(io.BytesIO(outcomes_path.read_bytes())) == safeguard_qa.load_outcomes(
        outcomes_path
    )
    with pytest.raises(safeguard_qa.PolicyError, match=r"p\.json: rules › no-such-rule"):
        read_policy(
            b'{"rules": {"no-such-rule": {}}}', format="json", name="p.json", registry=registry
        )


# --- problems as data -----------------------------------------------------------------------


def test_validate_gives_problems_as_data_and_never_raises_for_bad_input(
    returns: list[Return], registry: Registry
) -> None:
    good = validate(_as_bytes(write_return(returns[0], "json")), format="json", registry=registry)
    assert good.ok
    assert good.ret == returns[0]

    unreadable = validate(b"{not json", format="json", name="upload.json", registry=registry)
    assert unreadable.ret is None
    assert not unreadable.ok
    assert [p.file for p in unreadable.errors] == ["upload.json"]

    data = json.loads(write_return(returns[0], "json"))
    criterion = data["responses"][0]["criterion"]
    data["responses"][0]["rating"] = "purple"
    misfit = validate(json.dumps(data).encode(), format="json", name="r.json", registry=registry)
    assert misfit.ret is not None
    assert not misfit.ok
    assert any(criterion in p.place and "purple" in p.message for p in misfit.errors)
    as_data = json.loads(json.dumps(misfit.to_dict()))
    assert as_data["ok"] is False
    assert set(as_data["problems"][0]) == {
        "file",
        "place",
        "message",
        "level",
        "code",
        "location",
        "criterion",
        "field",
    }


def test_validate_takes_a_path_as_str_or_pathlike(registry: Registry) -> None:
    path = RETURN_FILES[0]
    assert validate(str(path), registry=registry).ok
    assert validate(path, registry=registry).ret == load_return(path)
    missing = validate(path.with_name("missing.yaml"), registry=registry)
    assert missing.ret is None
    assert "no such file" in missing.problems[0].message


def test_a_name_typed_under_sign_off_never_reaches_problem_data(registry: Registry) -> None:
    upload = (
        b"framework: s11-wt2023\nframework_version: '2025.1'\n"
        b"agency: {id: a, name: A, type: police}\n"
        b"period: {start: 2024-04-01, end: 2025-03-31}\n"
        b"sign_off: {role: Chief Constable, date: 2025-05-01, Jane Smith: 1}\nresponses: []\n"
    )
    result = validate(upload, format="yaml", registry=registry)
    assert not result.ok
    assert "Jane Smith" not in json.dumps(result.to_dict())
    leaked = Problem("r.yaml", "sign_off", "unknown field", location=("sign_off", "Jane Smith"))
    assert leaked.to_dict()["location"] == ["sign_off", "(name not shown: personal data)"]


def test_a_problem_can_be_logged_without_the_value_found() -> None:
    problem = Problem(
        "r.yaml",
        "criterion S11-3.2 › commentary",
        "'Child A at 4 Elm Road' is too long; found 'Child A at 4 Elm Road'",
        location=("responses", 3, "commentary"),
        criterion="S11-3.2",
        field="commentary",
        code="too-long",
        found="Child A at 4 Elm Road",
    )
    redacted = problem.redacted()
    assert "Elm Road" not in redacted.message
    assert redacted.location == problem.location
    assert redacted.code == "too-long"
    assert "found" not in problem.to_dict()
    assert str(problem) == (
        "r.yaml: criterion S11-3.2 › commentary: "
        "'Child A at 4 Elm Road' is too long; found 'Child A at 4 Elm Road'"
    )


# --- one engine, many threads; results stored and read back ---------------------------------


def test_threads_sharing_one_engine_get_the_serial_results(
    returns: list[Return], registry: Registry
) -> None:
    engine = Engine(registry, Policy(agenda_size=5))
    work = returns * 6
    serial = [engine.evaluate(ret).model_dump_json() for ret in work]
    fresh = Engine(registry, Policy(agenda_size=5))  # no plan cached before the threads start
    with ThreadPoolExecutor(max_workers=6) as pool:
        threaded = list(pool.map(lambda ret: fresh.evaluate(ret).model_dump_json(), work))
    assert threaded == serial
    assert len(set(serial)) == len(returns)


def test_results_stored_as_json_read_back_equal(returns: list[Return], registry: Registry) -> None:
    engine = Engine(registry)
    for ret in returns:
        evaluation = engine.evaluate(ret)
        stored = evaluation.model_dump_json()
        assert load_evaluation(stored) == evaluation
        assert load_evaluation(stored.encode()).model_dump_json() == stored


# --- nothing from the working folder ---------------------------------------------------------


EVIL = """\
import builtins

builtins.SAFEGUARD_QA_EVIL_RAN = True
raise RuntimeError("a plugin from the working folder ran")
"""


def test_no_plugin_is_loaded_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, returns: list[Return]
) -> None:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "evil.py").write_text(EVIL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    registry = load_registry(entry_points=False)
    assert not any("evil" in info.name for info in registry.plugins)
    result = validate(_as_bytes(write_return(returns[0], "yaml")), format="yaml")
    assert result.ok
    assert safeguard_qa.evaluate(returns[0]).return_id == returns[0].id
    assert not hasattr(builtins, "SAFEGUARD_QA_EVIL_RAN"), "plugins/evil.py was imported"
    assert os.getcwd() == str(tmp_path)


# --- problems with codes, and settings apart from input ------------------------------------


def test_validation_problems_carry_location_criterion_field_and_code(registry: Registry) -> None:
    upload = (
        b"framework: s11-wt2023\nframework_version: '2025.1'\n"
        b"agency: {id: a, name: A, type: police, colour: red}\n"
        b"period: {start: 2024-04-01, end: 2025-03-31}\n"
        b"responses:\n"
        b"  - {criterion: S11-1.1, rating: green, evidence: [{description: x, date: soon}]}\n"
        b"  - {criterion: S11-1.2, ratin: green}\n"
    )
    problems = validate(upload, format="yaml", registry=registry).problems
    assert {(p.code, p.location, p.criterion, p.field) for p in problems} == {
        ("unknown-field", ("agency", "colour"), None, "colour"),
        ("unknown-field", ("responses", 1, "ratin"), "S11-1.2", "ratin"),
        ("not-a-date", ("responses", 0, "evidence", 0, "date"), "S11-1.1", "date"),
    }
    date = next(p for p in problems if p.code == "not-a-date")
    assert "soon" in date.message
    assert "soon" not in date.redacted().message


def test_a_bad_limit_in_the_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAFEGUARD_QA_MAX_BYTES", "ten megabytes")
    with pytest.raises(ConfigurationError) as info:
        read_return(b"{}", format="json")
    assert not isinstance(info.value, safeguard_qa.InputError)
    assert str(info.value) == (
        "$SAFEGUARD_QA_MAX_BYTES: expected a whole number of bytes or nodes, found 'ten megabytes'"
    )


def test_a_policy_built_in_code_is_a_configuration_error(registry: Registry) -> None:
    policy = Policy.model_validate({"rules": {"no-such-rule": {"enabled": False}}})
    with pytest.raises(ConfigurationError, match="policy: rules › no-such-rule: unknown rule"):
        Engine(registry, policy)
    with pytest.raises(safeguard_qa.PolicyError):
        Engine(registry, policy, policy_file="policy.yaml")
