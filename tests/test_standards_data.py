"""The shipped frameworks in standards/*.yaml load, validate and keep their shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.models.framework import Framework

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "standards"
FILES = sorted(STANDARDS_DIR.glob("*.yaml"))

BUILTIN_SCALES = {"rag", "brag", "met4", "score0_3", "ofsted4", "reversed4", "yes_no"}

# framework id -> (scale, minimum standards, (min, max) criteria per standard)
EXPECTED: dict[str, tuple[str, int, tuple[int, int]]] = {
    "s11-wt2023": ("brag", 12, (3, 6)),
    "s11-key-features": ("met4", 9, (3, 5)),
    "s175-kcsie": ("reversed4", 10, (3, 5)),
}

MAX_CRITERION_TEXT = 300


def _raw(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _load(path: Path) -> Framework:
    return Framework.model_validate(_raw(path))


@pytest.fixture(scope="module")
def frameworks() -> dict[str, Framework]:
    return {fw.id: fw for fw in (_load(p) for p in FILES)}


def test_every_expected_framework_is_shipped(frameworks: dict[str, Framework]) -> None:
    assert FILES, f"no framework files in {STANDARDS_DIR}"
    assert set(EXPECTED) <= set(frameworks)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_validates(path: Path) -> None:
    raw = _raw(path)
    assert isinstance(raw, dict)
    # versions like 2023.1 must be quoted in YAML, or they load as floats
    assert isinstance(raw["version"], str)
    fw = Framework.model_validate(raw)
    assert fw.id
    assert fw.standards


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scale_is_builtin(path: Path) -> None:
    fw = _load(path)
    assert isinstance(fw.scale, str)
    assert fw.scale in BUILTIN_SCALES
    if fw.id in EXPECTED:
        assert fw.scale == EXPECTED[fw.id][0]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_has_https_source(path: Path) -> None:
    fw = _load(path)
    assert any(src.url.startswith("https://") for src in fw.sources)
    assert fw.legal_basis


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_criterion_ids_unique_and_nested(path: Path) -> None:
    fw = _load(path)
    ids = [c.id for s in fw.standards for c in s.criteria]
    assert len(ids) == len(set(ids))
    standard_ids = [s.id for s in fw.standards]
    assert len(standard_ids) == len(set(standard_ids))
    for standard in fw.standards:
        for criterion in standard.criteria:
            assert criterion.id.startswith(f"{standard.id}."), criterion.id


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_criteria_are_usable(path: Path) -> None:
    fw = _load(path)
    scope = set(fw.applies_to)
    for criterion in fw.criteria.values():
        assert criterion.text.strip(), criterion.id
        assert len(criterion.text) <= MAX_CRITERION_TEXT, criterion.id
        if criterion.answer.type != "narrative":
            assert criterion.evidence_prompts, f"{criterion.id} has no evidence prompts"
        if scope:
            assert set(criterion.applies_to) <= scope, criterion.id


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_shape(frameworks: dict[str, Framework], framework_id: str) -> None:
    fw = frameworks[framework_id]
    _, min_standards, (low, high) = EXPECTED[framework_id]
    assert len(fw.standards) >= min_standards
    for standard in fw.standards:
        assert low <= len(standard.criteria) <= high, standard.id


def test_s11_wt2023_features(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s11-wt2023"]
    criteria = list(fw.criteria.values())
    types = [c.answer.type for c in criteria]
    assert types.count("numeric") >= 2
    assert "yes_no" in types
    assert any(c.answer.type == "narrative" and not c.mandatory for c in criteria)
    assert any(
        c.answer.type == "numeric" and c.answer.direction == "lower_is_better" for c in criteria
    )
    assert any(c.applies_to for c in criteria)
    assert any(not c.statutory for c in criteria)
    assert any(c.weight == 2 for c in criteria)
    assert "Children Act 2004 section 11" in fw.legal_basis


def test_s11_key_features_has_nine_features(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s11-key-features"]
    assert len(fw.standards) == 9
    optional = fw.standards[-1]
    assert all(not c.statutory and not c.mandatory for c in optional.criteria)


def test_s175_kcsie_features(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s175-kcsie"]
    expected_scope = {"school_maintained", "academy", "independent_school", "fe_college"}
    assert set(fw.applies_to) == expected_scope
    criteria = list(fw.criteria.values())
    assert any(c.answer.type == "numeric" for c in criteria)
    assert any(c.applies_to == ("fe_college",) for c in criteria)
    assert any(c.applies_to and "fe_college" not in c.applies_to for c in criteria)
    assert "Education Act 2002 section 175" in fw.legal_basis
