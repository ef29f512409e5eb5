"""The shipped frameworks in standards/*.yaml load, validate and keep their shape."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from safeguard_qa.models.framework import Framework
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "standards"
FILES = sorted(STANDARDS_DIR.glob("*.yaml"))

BUILTIN_SCALES = {
    "rag",
    "brag",
    "met4",
    "score0_3",
    "ofsted4",
    "reversed4",
    "yes_no",
    "met_not_met",
}

# framework id -> (scale, minimum standards, (min, max) criteria per standard)
EXPECTED: dict[str, tuple[str, int, tuple[int, int]]] = {
    "s11-wt2023": ("brag", 12, (3, 6)),
    "s11-key-features": ("met4", 9, (3, 5)),
    "s175-kcsie": ("reversed4", 10, (3, 6)),
}

MAX_CRITERION_TEXT = 300

# The self-assessment frameworks, every release (other files, such as audit tools, differ).
SELF_ASSESSMENTS = [
    p for p in FILES if yaml.safe_load(p.read_text(encoding="utf-8"))["id"] in EXPECTED
]


def _raw(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _load(path: Path) -> Framework:
    return Framework.model_validate(_raw(path))


@pytest.fixture(scope="module")
def releases() -> dict[str, list[Framework]]:
    """Every shipped release of each framework, oldest first."""
    found: dict[str, list[Framework]] = {}
    for fw in (_load(p) for p in FILES):
        found.setdefault(fw.id, []).append(fw)
    for versions in found.values():
        versions.sort(key=lambda fw: tuple(int(part) for part in fw.version.split(".")))
    return found


@pytest.fixture(scope="module")
def frameworks(releases: dict[str, list[Framework]]) -> dict[str, Framework]:
    """The newest release of each framework: what a new cycle uses."""
    return {fw_id: versions[-1] for fw_id, versions in releases.items()}


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
        for reference in criterion.references:
            # an unquoted comma in a YAML flow list splits one reference into two
            assert not reference.startswith(("key feature", "para")), (criterion.id, reference)


@pytest.mark.parametrize("path", SELF_ASSESSMENTS, ids=[p.name for p in SELF_ASSESSMENTS])
def test_statutory_items_name_the_duty_they_rest_on(path: Path) -> None:
    """Each file's header says local-practice items are not statutory and statutory items cite
    their guidance or Act: an item marked statutory with no reference contradicts it."""
    fw = _load(path)
    unreferenced = [c.id for c in fw.criteria.values() if c.statutory and not c.references]
    assert unreferenced == []


@pytest.mark.parametrize("path", SELF_ASSESSMENTS, ids=[p.name for p in SELF_ASSESSMENTS])
def test_every_release_says_which_edition_it_follows(path: Path) -> None:
    fw = _load(path)
    assert "edition followed" in fw.description.casefold(), fw.id
    assert "edition followed" in path.read_text(encoding="utf-8").casefold()


def test_criterion_ids_are_never_renumbered_between_releases(
    releases: dict[str, list[Framework]],
) -> None:
    """Stored dismissals and trends key on criterion ids: a newer release keeps every id of an
    older one, in the same standard."""
    assert any(len(versions) > 1 for versions in releases.values())
    for versions in releases.values():
        for older, newer in itertools.pairwise(versions):
            for criterion_id, standard in older.standard_of.items():
                assert newer.standard_of[criterion_id].id == standard.id, criterion_id


def test_key_features_are_marked_superseded_but_installed(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s11-key-features"]
    assert "superseded" in fw.title.casefold()
    assert fw.description.startswith("SUPERSEDED")
    assert "s11-wt2023" in fw.description


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


def test_s175_kcsie_2025_changes(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s175-kcsie"]
    assert fw.version == "2025.2"
    text = " ".join(c.text for c in fw.criteria.values()).casefold()
    for topic in (
        "misinformation",
        "generative ai",
        "plan technology",
        "attendance",
        "alternative provision",
        "kinship care",
        "relationships, sex and health education",
        "childcare",
        "operation encompass",
        "reasonable force",
    ):
        assert topic in text, topic
    ofsted = fw.criteria["S175-1.6"]
    assert ofsted.answer.type == "rating"
    assert ofsted.answer.scale == "met_not_met"


def test_a_single_central_record_with_a_missing_check_is_red(
    frameworks: dict[str, Framework],
) -> None:
    fw = frameworks["s175-kcsie"]
    scr = [
        c
        for c in fw.criteria.values()
        if "single-central-record" in c.tags and c.answer.type == "numeric"
    ]
    assert scr
    for criterion in scr:
        assert criterion.answer.type == "numeric"
        assert criterion.answer.rag(99.9) is RAG.RED, criterion.id
        assert criterion.answer.rag(100) is RAG.GREEN, criterion.id


def test_s11_wt2023_2025_release(frameworks: dict[str, Framework]) -> None:
    fw = frameworks["s11-wt2023"]
    assert fw.version == "2025.1"
    by_id = fw.criteria
    prevent = [c for c in by_id.values() if "prevent" in c.tags]
    assert prevent
    assert all("voluntary" not in c.applies_to for c in prevent)
    assert by_id["S11-17.1"].applies_to == ("local_authority",)
    assert "5 working days" in by_id["S11-17.1"].text
    assert "15 working days" in by_id["S11-17.2"].text
    assert all(not c.statutory and not c.mandatory for c in fw.standard_of["S11-18.1"].criteria)
    commissioning = [c for c in by_id.values() if "commissioning" in c.tags]
    assert commissioning
    assert all(c.applies_to and not c.applies("voluntary", None) for c in commissioning)
    assert by_id["S11-7.5"].applies_to == ("health",)
    assert "position" in by_id["S11-8.6"].text


def test_every_builtin_scale_says_where_its_colours_come_from(registry: Registry) -> None:
    """Most templates define levels but no colours; a scale must not pass off a guess as the
    source's mapping."""
    assert set(registry.scales) >= BUILTIN_SCALES
    for scale in (registry.scales[s] for s in BUILTIN_SCALES):
        text = " ".join(scale.description.split())
        assert "source's" in text or "safeguard-qa's default" in text, scale.id


def test_ofsted_met_not_met_has_no_middle_level(registry: Registry) -> None:
    scale = registry.scales["met_not_met"]
    assert [(lv.id, lv.rag) for lv in scale.ordered] == [("not_met", RAG.RED), ("met", RAG.GREEN)]
    assert "10 November 2025" in scale.description
