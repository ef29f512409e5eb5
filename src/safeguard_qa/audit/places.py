"""Naming places in audit files the way a quality-assurance officer reads them.

A pydantic location such as ``("reviews", 4, "grades", "practice.voice", "grade")`` becomes
``case C-3 › agency northshire-police › domain practice.voice › grade``: items are named by
what identifies them in the file, not by their position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from safeguard_qa.audit.privacy import looks_identifying
from safeguard_qa.errors import Problem
from safeguard_qa.loaders.messages import problems_from_validation


def _value(item: Any, key: str) -> str:
    """The item's id under ``key`` to name it by; empty (name it by position) when missing,
    or when it looks like personal data that a message must not repeat."""
    value = item.get(key) if isinstance(item, dict) else None
    text = str(value).strip() if isinstance(value, str | int) else ""
    return "" if looks_identifying(text) else text


def _named(noun: str, key: str) -> Callable[[Any, int], str]:
    def label(item: Any, index: int) -> str:
        return f"{noun} {_value(item, key) or index + 1}"

    return label


def _review(item: Any, index: int) -> str:
    case, agency = _value(item, "case"), _value(item, "agency")
    if case and agency:
        return f"case {case} › agency {agency}"
    return f"review {index + 1}"


def _survey_result(item: Any, index: int) -> str:
    agency, question = _value(item, "agency"), _value(item, "question")
    if agency and question:
        return f"agency {agency} › question {question}"
    return f"result {index + 1}"


_LIST_ITEMS: dict[str, Callable[[Any, int], str]] = {
    "cases": _named("case", "ref"),
    "agencies": _named("agency", "id"),
    "reviews": _review,
    "learning": _named("learning point", "id"),
    "concerns": _named("immediate concern", "id"),
    "recommendations": _named("recommendation", "id"),
    "rounds": _named("round", "id"),
    "questions": _named("question", "id"),
    "results": _survey_result,
    "links": _named("criterion", "criterion"),
}
_MAPPING_KEYS = {"grades": "domain", "agency_grades": "agency"}
"""Mappings keyed by an id: their keys are named by what they are."""


def place_of(loc: tuple[int | str, ...], raw: Any) -> str:
    """The human place of a pydantic error location in the raw document."""
    parts: list[str] = []
    node = raw
    key_noun: str | None = None
    previous: str | None = None
    for element in loc:
        if isinstance(element, int) and isinstance(node, list) and 0 <= element < len(node):
            labeller = _LIST_ITEMS.get(previous or "")
            item = node[element]
            label = labeller(item, element) if labeller else f"item {element + 1}"
            if parts and parts[-1] == previous:
                parts[-1] = label
            else:
                parts.append(label)
            node = item
            if previous == "cases" and isinstance(item, dict) and "case" in item:
                parts[-1] = f"case {_value(item, 'case') or element + 1}"
            previous = None
        elif isinstance(element, str) and isinstance(node, dict):
            if element not in node and element.startswith(("function-", "tagged-union", "json-")):
                continue
            if key_noun is not None:
                parts.append(
                    f"{key_noun} {'(withheld)' if looks_identifying(element) else element}"
                )
                key_noun = "domain" if key_noun == "agency" else None
            else:
                parts.append(element)
                key_noun = _MAPPING_KEYS.get(element)
                if key_noun is not None:
                    parts.pop()  # "grades › domain x" reads as "domain x"
            previous = element
            node = node.get(element)
        else:
            parts.append(str(element))
            node = None
    return " › ".join(parts)


def placed_problems(
    file: str, exc: ValidationError, raw: Any, model: type[BaseModel]
) -> list[Problem]:
    """The project's plain-words problems, placed by audit item (case, agency, domain)."""
    problems = problems_from_validation(file, exc, raw, model)
    errors = list(exc.errors(include_url=False))
    kept = [e for e in errors if e["type"] != "too_short" or not _has_item_error(e, errors)]
    if len(kept) != len(problems):  # the messages module filtered differently: keep its places
        return problems
    return [
        Problem(problem.file, place_of(error["loc"], raw) or problem.place, problem.message)
        for problem, error in zip(problems, kept, strict=True)
    ]


def _has_item_error(error: Any, errors: list[Any]) -> bool:
    loc = error["loc"]
    return any(e["loc"][: len(loc)] == loc and len(e["loc"]) > len(loc) for e in errors)
