"""The example partnership reads as a real one.

A partnership business manager shown the Northshire example should see returns written by each
agency for itself, from the agencies a real partnership has, dated in step with the guidance they
cite. These tests keep it that way when the example data is edited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest

from safeguard_qa.loaders.files import load_document
from safeguard_qa.models.partnership import ExpectedAgencies
from safeguard_qa.models.returns import Return

PARTNERSHIP = Path(__file__).resolve().parent.parent / "examples" / "partnership"
CYCLES = ("2024", "2025")

# Text that is really common to several agencies (a partnership document everyone cites) may be
# shared; anything else written the same way by three or more agencies reads as cut-and-paste.
SHARED_TEXT_ALLOWED: frozenset[str] = frozenset()
MAX_AGENCIES_SHARING_TEXT = 2

# Bodies under the section 11 duty (Children Act 2004 s11(1)), by the agency types the example
# uses, and the schools and colleges under sections 175 and 157 of the Education Act 2002.
SECTION_11_BODIES = {
    "local_authority",
    "district_council",
    "police",
    "health",
    "probation",
    "youth_justice",
}
SECTION_175_157 = {"school_maintained", "academy", "independent_school", "fe_college"}

# Guidance an evidence item or commentary may name, and the day it was first published.
PUBLISHED = {
    "working together 2023": dt.date(2023, 12, 15),
    "prevent duty guidance 2023": dt.date(2023, 9, 7),
    "kcsie 2024": dt.date(2024, 5, 13),
    "kcsie 2025": dt.date(2025, 7, 7),
    "families first": dt.date(2025, 3, 20),
    "refreshed threshold document": dt.date(2025, 3, 20),
    "accountability and assurance framework": dt.date(2024, 6, 28),
    "renewed ofsted": dt.date(2025, 9, 9),
}

# The first day a framework release could be used: the edition it follows was published.
RELEASED = {
    ("s11-wt2023", "2023.1"): dt.date(2023, 12, 15),
    ("s11-wt2023", "2025.1"): dt.date(2025, 3, 20),
    ("s175-kcsie", "2025.1"): dt.date(2024, 5, 13),
    ("s175-kcsie", "2025.2"): dt.date(2025, 7, 7),
}


def _returns() -> list[tuple[str, Return]]:
    return [
        (cycle, Return.model_validate(load_document(path)))
        for cycle in CYCLES
        for path in sorted((PARTNERSHIP / cycle).glob("*.yaml"))
    ]


RETURNS = _returns()


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _texts(ret: Return) -> list[tuple[str, str]]:
    """Every piece of free text in a return: (kind, text)."""
    found = []
    for response in ret.responses:
        found += [("evidence", item.description) for item in response.evidence]
        found += [("action", action.description) for action in response.actions]
        if response.commentary.strip():
            found.append(("commentary", response.commentary))
    return [(kind, text) for kind, text in found if text.strip()]


def shared_text(returns: list[Return]) -> dict[str, set[str]]:
    """Text written the same way by more agencies than allowed, with the agencies."""
    writers: dict[str, set[str]] = defaultdict(set)
    for ret in returns:
        for _, text in _texts(ret):
            writers[_normal(text)].add(ret.agency.id)
    return {
        text: agencies
        for text, agencies in writers.items()
        if len(agencies) > MAX_AGENCIES_SHARING_TEXT and text not in SHARED_TEXT_ALLOWED
    }


@pytest.mark.parametrize("cycle", CYCLES)
def test_no_text_is_copied_across_agencies(cycle: str) -> None:
    shared = shared_text([ret for c, ret in RETURNS if c == cycle])
    assert shared == {}, "\n".join(f"{sorted(a)}: {t[:80]}" for t, a in shared.items())


def test_copied_text_is_caught() -> None:
    """The check itself works: the same commentary in three returns is refused."""
    base = [ret for c, ret in RETURNS if c == "2025"][:3]
    copied = []
    for ret in base:
        first = ret.responses[0].model_copy(update={"commentary": "Policy in place."})
        copied.append(ret.model_copy(update={"responses": (first, *ret.responses[1:])}))
    assert "policy in place." in shared_text(copied)


def test_several_kinds_of_school_and_a_college() -> None:
    current = [ret for c, ret in RETURNS if c == "2025"]
    schools = [ret for ret in current if ret.framework == "s175-kcsie"]
    assert len(schools) >= 3
    kinds = {(ret.agency.type, ret.agency.sector) for ret in schools}
    assert ("school_maintained", None) in kinds  # a maintained primary
    assert any(kind == "academy" for kind, _ in kinds)
    assert ("school_maintained", "special") in kinds or ("independent_school", None) in kinds
    assert any(kind == "fe_college" for kind, _ in kinds)


def test_the_agencies_a_real_partnership_has() -> None:
    current = [ret for c, ret in RETURNS if c == "2025"]
    types = {ret.agency.type for ret in current}
    assert {"local_authority", "police", "probation", "youth_justice", "cafcass"} <= types
    assert types & {"housing", "voluntary"}
    health = {ret.agency.sector for ret in current if ret.agency.type == "health"}
    assert {"icb", "nhs_trust"} <= health
    trusts = [ret for ret in current if ret.agency.sector == "nhs_trust"]
    assert len(trusts) >= 2  # an acute trust and a mental health or community trust
    assert 12 <= len({ret.agency.id for _, ret in RETURNS}) <= 16


def test_only_bodies_under_the_duty_are_statutory() -> None:
    """An agency is statutory when the duty its framework assesses is on it: section 11 for the
    Section 11 frameworks, section 175 or 157 for schools and colleges."""
    for _, ret in RETURNS:
        bodies = SECTION_175_157 if ret.framework == "s175-kcsie" else SECTION_11_BODIES
        assert ret.agency.statutory == (ret.agency.type in bodies), ret.agency.id
    expected = ExpectedAgencies.model_validate(
        load_document(PARTNERSHIP / "expected-agencies.yaml")
    )
    for agency in expected.agencies:
        bodies = SECTION_175_157 if agency.framework == "s175-kcsie" else SECTION_11_BODIES
        assert agency.statutory == (agency.type in bodies), agency.id


@pytest.mark.parametrize(("cycle", "ret"), RETURNS, ids=[f"{c}/{r.agency.id}" for c, r in RETURNS])
def test_dates_follow_the_guidance_they_cite(cycle: str, ret: Return) -> None:
    released = RELEASED[(ret.framework, ret.framework_version)]
    assert ret.submitted is not None
    assert ret.submitted >= released, "a return on an edition not yet published"
    for response in ret.responses:
        for item in response.evidence:
            if item.date is None:
                continue
            assert item.date <= ret.submitted, (response.criterion, item.description)
            for name, published in PUBLISHED.items():
                if name in item.description.casefold():
                    assert item.date >= published, (response.criterion, item.description)
        for name, published in PUBLISHED.items():
            if name in response.commentary.casefold():
                assert ret.submitted >= published, (response.criterion, name)


def test_every_expected_agency_returned_in_some_cycle() -> None:
    expected = ExpectedAgencies.model_validate(
        load_document(PARTNERSHIP / "expected-agencies.yaml")
    )
    returned = {ret.agency.id for _, ret in RETURNS}
    assert {agency.id for agency in expected.agencies} <= returned
    by_cycle = {c: {ret.agency.id for cc, ret in RETURNS if cc == c} for c in CYCLES}
    assert by_cycle["2025"] < by_cycle["2024"]
    assert len(by_cycle["2024"] - by_cycle["2025"]) == 1
