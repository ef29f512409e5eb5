"""Loading frameworks and returns: the corpus of bad files in tests/bad and the messages
(with their places) a business officer sees for each; plus the shipped files loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.errors import FrameworkError, InputError, ReturnError
from safeguard_qa.loaders import check_return, load_framework, load_return
from safeguard_qa.loaders.files import Limits
from safeguard_qa.plugins import Registry

BAD = Path(__file__).parent / "bad"
EXPECTED: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (BAD / "expected.yaml").read_text(encoding="utf-8")
)


def test_every_bad_file_has_expectations() -> None:
    for kind in ("frameworks", "returns"):
        assert {p.name for p in (BAD / kind).glob("*.yaml")} == set(EXPECTED[kind])


def _problems(kind: str, path: Path, registry: Registry) -> list[str]:
    if kind == "frameworks":
        with pytest.raises(FrameworkError) as info:
            load_framework(path, registry)
        return [str(p) for p in info.value.problems]
    try:
        ret = load_return(path)
    except ReturnError as exc:
        return [str(p) for p in exc.problems]
    problems = check_return(ret, registry, str(path))
    assert problems, f"{path.name} should not check clean"
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("kind", "name"),
    [(kind, name) for kind, files in EXPECTED.items() for name in files],
)
def test_bad_file_names_place_and_problem(kind: str, name: str, registry: Registry) -> None:
    path = BAD / kind / name
    before = path.read_bytes()
    problems = _problems(kind, path, registry)
    for expected in EXPECTED[kind][name]:
        assert any(p.startswith(str(path)) and expected in p for p in problems), (
            f"{expected!r} not in {problems}"
        )
    assert path.read_bytes() == before, "an input file is never modified"


def test_all_problems_reported_at_once(registry: Registry) -> None:
    problems = _problems("returns", BAD / "returns" / "wrong-types.yaml", registry)
    assert len(problems) >= 4


def test_shipped_frameworks_all_load(registry: Registry) -> None:
    frameworks = registry.frameworks()
    assert {"s11-wt2023", "s11-key-features", "s175-kcsie"} <= {key[0] for key in frameworks}
    kcsie = registry.framework("s175-kcsie")
    assert registry.scale_for(kcsie, kcsie.standards[0].criteria[0]).direction == (  # type: ignore[union-attr]
        "lower_is_better"
    )
    s11 = registry.framework("s11-wt2023")
    assert any(c.answer.type == "numeric" for c in s11.criteria.values())
    scale = registry.scale_for(s11, s11.standards[0].criteria[0])
    assert scale is not None
    assert scale.allows_na(statutory_agency=False)
    assert not scale.allows_na(statutory_agency=True)


def test_level_lookup_is_case_insensitive(
    registry: Registry, clean_data: Any, tmp_path: Path
) -> None:
    data = clean_data()
    data["responses"][0]["rating"] = "GREEN"
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert check_return(load_return(path), registry) == []


def test_json_returns_load(registry: Registry, clean_data: Any, tmp_path: Path) -> None:
    import json

    path = tmp_path / "r.json"
    path.write_text(json.dumps(clean_data()), encoding="utf-8")
    ret = load_return(path)
    assert ret.agency.id == "agency-a"
    bad = tmp_path / "bad.json"
    bad.write_text('{"framework": ', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json: line 1, column 15: invalid JSON"):
        load_return(bad)


def test_unknown_extension_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "return.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ReturnError, match=r"cannot tell the format from '.txt'"):
        load_return(path)


def test_size_limit_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 200, encoding="utf-8")
    with pytest.raises(InputError, match="SAFEGUARD_QA_MAX_BYTES"):
        load_return(path, Limits(max_bytes=100))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_return(tmp_path / "nope.yaml")
