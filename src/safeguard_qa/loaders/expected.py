"""Loading the expected-agencies file: who the partnership expects a return from this cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safeguard_qa.errors import InputError, Problem
from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.partnership import ExpectedAgencies


def parse_expected(data: Any, file: str) -> ExpectedAgencies:
    """Validate an expected-agencies document; every problem is reported at once."""
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise InputError.single(file, "", f"expected a mapping with 'agencies', found {found}")
    try:
        expected = ExpectedAgencies.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(file, exc, data, ExpectedAgencies)) from None
    problems = _duplicates(expected, file)
    if problems:
        raise InputError(problems)
    return expected


def _duplicates(expected: ExpectedAgencies, file: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for agency in expected.agencies:
        if agency.id in seen:
            problems.append(Problem(file, f"agency {agency.id}", "this agency is listed twice"))
        seen.add(agency.id)
    return problems


def load_expected(path: Path, limits: Limits | None = None) -> ExpectedAgencies:
    return parse_expected(load_document(path, limits), str(path))
