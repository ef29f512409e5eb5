"""Turning pydantic ``ValidationError``s into problems a business officer can act on.

A location such as ``("standards", 2, "criteria", 0, "answer", "numeric", "green")`` becomes
``standard S11-3 › criterion S11-3.1 › answer › green``: list items are named by their id
(or the criterion they answer) where they have one, else by their position counting from 1.

A value under ``sign_off`` (the signer's name and role) is personal data: a message about it
says what kind of value was found and how long it is, never the value itself. Readers of
other formats (CSV, XLSX) use :func:`is_personal` and :func:`without_value` for the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from safeguard_qa.errors import Problem

_SINGULAR = {
    "standards": "standard",
    "criteria": "criterion",
    "responses": "criterion",
    "evidence": "evidence",
    "actions": "action",
    "levels": "level",
    "sources": "source",
    "outcomes": "outcome",
    "agencies": "agency",
    "evidence_prompts": "evidence prompt",
    "challenge_questions": "challenge question",
}
_ID_KEYS = ("id", "criterion", "agency")
PERSONAL_FIELDS = frozenset({"sign_off"})
"""Return fields whose values are personal data, never repeated in a problem or a log."""
NOT_SHOWN = "not shown: personal data"
UNNAMED_FIELD = f"(name {NOT_SHOWN})"
_SIGN_OFF_FIELDS = frozenset({"name", "role", "date"})


def is_personal(loc: Sequence[int | str] | str) -> bool:
    """Is ``loc`` (a model location, or a dotted key such as ``sign_off.name``) at or under
    a field whose values are personal data?"""
    first = loc.split(".", 1)[0] if isinstance(loc, str) else (loc[0] if loc else "")
    return first in PERSONAL_FIELDS


def withheld(value: Any) -> str:
    """How a message names a personal value: its kind and size only, e.g. ``a text of 23
    characters (not shown: personal data)``."""
    if isinstance(value, str):
        size = len(value)
        kind = f"a text of {size} character{'' if size == 1 else 's'}"
    elif isinstance(value, bool):
        kind = "true or false"
    elif isinstance(value, int | float):
        kind = "a number"
    elif isinstance(value, dt.date):
        kind = "a date"
    elif isinstance(value, list | tuple):
        kind = f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    elif isinstance(value, dict):
        kind = "a mapping"
    else:
        kind = "a value"
    return f"{kind} ({NOT_SHOWN})"


def without_value(message: str, value: Any) -> str:
    """``message`` with ``value`` (quoted, shortened or as written) replaced by
    :func:`withheld`; if the start of it is still there (a display this does not know),
    everything after the last ``found`` goes too, or else the whole message."""
    if value is None or isinstance(value, bool):
        return message
    shown = withheld(value)
    text = str(value)
    forms = {repr(value), _short(value), text if len(text.strip()) >= 3 else ""}
    for form in sorted(forms - {""}, key=len, reverse=True):
        message = message.replace(form, shown)
    start = text.strip()[:6]
    if len(start) >= 3 and start in message.replace(shown, ""):
        head, found, _ = message.rpartition("found ")
        message = f"{head}{found}{shown}" if found else f"the value is not valid ({NOT_SHOWN})"
    return message


def problems_from_validation(
    file: str, exc: ValidationError, raw: Any, model: type[BaseModel] | None = None
) -> list[Problem]:
    """One Problem per pydantic error, placed by item id and explained in plain words."""
    errors = exc.errors(include_url=False)
    # pydantic drops items that failed and then reports the container as too short too:
    # keep only the item errors, which say what is actually wrong
    item_locs = [e["loc"] for e in errors]
    errors = [
        e
        for e in errors
        if e["type"] != "too_short"
        or not any(
            loc[: len(e["loc"])] == e["loc"] and len(loc) > len(e["loc"]) for loc in item_locs
        )
    ]
    return [_problem(file, error, raw, model) for error in errors]


def _problem(file: str, error: ErrorDetails, raw: Any, model: type[BaseModel] | None) -> Problem:
    loc = error["loc"]
    if not is_personal(loc):
        place, node = describe_location(loc, raw)
        message = _message(error, loc, node, model)
        return Problem(file, place, message, **_as_data(error, loc, raw), found=error.get("input"))
    # a key under sign_off that is not one of its fields may itself be a name
    loc = tuple(_known_key(part, raw) for part in loc)
    place, node = describe_location(loc, raw)
    message = without_value(_message({**error, "loc": loc}, loc, node, model), error.get("input"))
    return Problem(file, place, message, **_as_data(error, loc, raw))  # the value is not kept


_CODES = {
    "extra_forbidden": "unknown-field",
    "missing": "missing-field",
    "too_short": "too-few-items",
    "too_long": "too-many-items",
    "string_too_long": "text-too-long",
    "string_too_short": "text-too-short",
    "literal_error": "not-an-allowed-value",
    "enum": "not-an-allowed-value",
    "union_tag_invalid": "unknown-type",
    "union_tag_not_found": "missing-type",
    "value_error": "invalid-value",
    "assertion_error": "invalid-value",
}


def error_code(kind: str) -> str:
    """The stable code of a pydantic error type (documented in the README's table)."""
    if kind in _CODES:
        return _CODES[kind]
    if kind.startswith(("date_", "datetime_")):
        return "not-a-date"
    if kind.startswith("bool_"):
        return "not-true-or-false"
    if kind.startswith(("greater_than", "less_than", "multiple_of")):
        return "out-of-range"
    if kind.endswith(("_type", "_parsing")):
        return "wrong-type"
    return "invalid-value"


def _as_data(error: ErrorDetails, loc: tuple[int | str, ...], raw: Any) -> dict[str, Any]:
    """The machine-readable fields of a problem: the keys into the input (pydantic's own
    union tags and validator names left out), the criterion concerned, the field, a code."""
    keys: list[int | str] = []
    criterion: str | None = None
    node, previous_key = raw, ""
    for element in loc:
        if isinstance(element, int) and isinstance(node, list) and 0 <= element < len(node):
            if previous_key in ("responses", "criteria"):
                criterion = _item_id(node[element]) or None
            node = node[element]
        elif isinstance(element, str) and isinstance(node, dict) and element not in node:
            if node.get("type") == element or _is_internal(element):
                continue  # added by pydantic, not a key of the input
            node = None
        elif isinstance(element, str) and isinstance(node, dict):
            node, previous_key = node[element], element
        elif isinstance(element, str) and _is_internal(element):
            continue
        keys.append(element)
    names = [key for key in keys if isinstance(key, str)]
    return {
        "location": tuple(keys),
        "criterion": criterion,
        "field": names[-1] if names else None,
        "code": error_code(error["type"]),
    }


def _known_key(part: int | str, raw: Any) -> int | str:
    sign_off = raw.get("sign_off") if isinstance(raw, dict) else None
    if isinstance(part, int) or part in PERSONAL_FIELDS or part in _SIGN_OFF_FIELDS:
        return part
    if isinstance(sign_off, dict) and part in sign_off:
        return UNNAMED_FIELD
    return part  # a validator name pydantic adds, which describe_location drops


def describe_location(loc: tuple[int | str, ...], raw: Any) -> tuple[str, Any]:
    """The human place of ``loc`` in ``raw``, and the raw value found at its parent."""
    parts: list[str] = []
    node = raw
    parent = raw
    previous_key: str | None = None
    for element in loc:
        if isinstance(element, int) and isinstance(node, list) and 0 <= element < len(node):
            item = node[element]
            noun = _SINGULAR.get(previous_key or "", previous_key or "item")
            ident = _item_id(item)
            label = f"{noun} {ident}" if ident else f"{noun} {element + 1}"
            if parts and previous_key is not None and parts[-1] == previous_key:
                parts[-1] = label
            else:
                parts.append(label)
            parent, node = node, item
        elif isinstance(element, str) and isinstance(node, dict) and element in node:
            parts.append(element)
            previous_key = element
            parent, node = node, node[element]
        elif isinstance(element, str) and isinstance(node, dict):
            if node.get("type") == element or _is_internal(element):
                continue  # a union tag or validator name that pydantic adds to the location
            parts.append(element)
            previous_key = element
            parent, node = node, None
    return " › ".join(parts), parent


def _is_internal(element: str) -> bool:
    return element.startswith(("function-", "json-or-python", "tagged-union", "list[", "tuple["))


def _item_id(item: Any) -> str:
    if isinstance(item, dict):
        for key in _ID_KEYS:
            value = item.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return str(value)
    return ""


def _message(
    error: ErrorDetails, loc: tuple[int | str, ...], parent: Any, model: type[BaseModel] | None
) -> str:
    kind = error["type"]
    found = error.get("input")
    show = withheld if is_personal(loc) else _short
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1])
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        field = loc[-1] if loc[-1] == UNNAMED_FIELD else repr(loc[-1])
        return f"unknown field {field}{hint}"
    if kind == "missing":
        return "required field is missing"
    ctx = error.get("ctx") or {}
    if kind == "too_short":
        return (
            f"expected at least {ctx.get('min_length')} item(s), found {ctx.get('actual_length')}"
        )
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} item(s), found {ctx.get('actual_length')}"
    if kind.startswith(("date_", "datetime_")):
        return f"expected a date as YYYY-MM-DD; found {show(found)}"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"expected true or false; found {show(found)}"
    text = error["msg"]
    if text.startswith("Value error, "):
        text = text.removeprefix("Value error, ")
        return text
    if found is not None and not isinstance(found, dict | list):
        return f"{_lower_first(text)}; found {show(found)}"
    return _lower_first(text)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_fields(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``model``."""
    current: Any = model
    for element in loc:
        current = _step(current, element)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _step(current: Any, element: int | str) -> Any:
    for candidate in _unwrap(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            if isinstance(element, str) and element in candidate.model_fields:
                return candidate.model_fields[element].annotation
            if isinstance(element, str):  # a discriminated-union tag selects the member
                tag = candidate.model_fields.get("type")
                if tag is not None and element in (get_args(tag.annotation) or ()):
                    return candidate
        elif isinstance(element, int) and get_origin(candidate) in (tuple, list):
            return get_args(candidate)[0]
    if isinstance(element, str):
        for candidate in _unwrap(current):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                tag = candidate.model_fields.get("type")
                if tag is not None and element in (get_args(tag.annotation) or ()):
                    return candidate
    return None


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional, unions and Annotated."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    name = getattr(origin, "__name__", "") or str(origin)
    if "Union" in name or "UnionType" in name or origin is type(int | str):
        return [t for arg in get_args(annotation) for t in _unwrap(arg)]
    if "Annotated" in str(origin) or name == "Annotated":
        return _unwrap(get_args(annotation)[0])
    return [annotation]
