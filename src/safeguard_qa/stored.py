"""Reading stored results back: an :class:`Evaluation` or a :class:`PartnershipReport` from
the JSON the library wrote (``model_dump_json()``, ``--format json``).

Each kind of result carries a ``schema_version``, a major version number. It changes only
when a field is removed or renamed, or its type or meaning changes; adding a field with a
default does not change it. A reader reads its own version, and an older one for which it
knows an upgrade; a newer version is refused with a message saying so, never misread.

A ``str`` or ``bytes`` argument is the JSON text itself, never a file name: text that came
from a request or a database can never make the library open a file. Give a file as a
``pathlib.Path`` (any ``os.PathLike``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from safeguard_qa.analysis.partnership import PARTNERSHIP_SCHEMA_VERSION, PartnershipReport
from safeguard_qa.errors import InputError, StoredResultError
from safeguard_qa.loaders.files import Limits, parse_text, read_text
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.results import SCHEMA_VERSION, Evaluation

M = TypeVar("M", bound=BaseModel)
Source = str | bytes | os.PathLike[str]
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

UPGRADES: Mapping[tuple[str, int], Upgrade] = {}
"""How to read an older major version: (kind, major version) to a function turning its
data into the current version's. Empty while version 1 is the only one there has been."""


def load_evaluation(source: Source, *, limits: Limits | None = None) -> Evaluation:
    """An evaluation from its JSON text (``str`` or ``bytes``) or a JSON file (a path)."""
    data, name = _read(source, limits)
    return _validated(data, name, Evaluation, SCHEMA_VERSION, "evaluation")


def load_evaluations(source: Source, *, limits: Limits | None = None) -> list[Evaluation]:
    """The evaluations in ``--format json`` output: an array of them, or one object."""
    data, name = _read(source, limits)
    if not isinstance(data, list):
        return [_validated(data, name, Evaluation, SCHEMA_VERSION, "evaluation")]
    return [
        _validated(item, name, Evaluation, SCHEMA_VERSION, "evaluation", f"item {number}")
        for number, item in enumerate(data, 1)
    ]


def load_partnership_report(source: Source, *, limits: Limits | None = None) -> PartnershipReport:
    """A partnership report from its JSON text (``str`` or ``bytes``) or a JSON file."""
    data, name = _read(source, limits)
    return _validated(
        data, name, PartnershipReport, PARTNERSHIP_SCHEMA_VERSION, "partnership report"
    )


def _read(source: Source, limits: Limits | None) -> tuple[Any, str]:
    """The parsed JSON and the name problems give as their file."""
    limits = limits or Limits.from_env()
    try:
        if isinstance(source, os.PathLike):
            name = os.fspath(source)
            return parse_text(read_text(Path(source), limits), name, "json", limits), name
        name = "stored result"
        return parse_text(_decoded(source, name), name, "json", limits), name
    except StoredResultError:
        raise
    except InputError as exc:
        raise StoredResultError(exc.problems) from None


def _decoded(source: str | bytes, name: str) -> str:
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoredResultError.single(
            name, "", "expected JSON text in UTF-8, as the library writes it", code="not-utf-8"
        ) from None


def _validated(data: Any, name: str, model: type[M], current: str, kind: str, place: str = "") -> M:
    """``data`` as ``model``, once its schema version is known to be readable."""
    if not isinstance(data, dict):
        found = "an array" if isinstance(data, list) else type(data).__name__
        raise StoredResultError.single(
            name,
            place,
            f"expected a stored {kind} (a JSON object); found {found}",
            code="wrong-type",
        )
    data = _compatible(data, name, kind, current)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise StoredResultError(problems_from_validation(name, exc, data, model)) from None


def _compatible(data: dict[str, Any], name: str, kind: str, current: str) -> dict[str, Any]:
    """``data`` in the current schema version, upgraded if it is an older one that can be
    read; a StoredResultError if it is newer or no longer read."""
    found = data.get("schema_version", current)
    major, reading = _major(found), _major(current)
    if major is None:
        raise StoredResultError.single(
            name,
            "schema_version",
            f"expected a version number such as {current!r}; found {found!r}",
            code="bad-schema-version",
        )
    assert reading is not None
    if major > reading:
        raise StoredResultError.single(
            name,
            "schema_version",
            f"this {kind} was written by a newer safeguard-qa (schema version {found}); this "
            f"one reads {kind}s up to version {current}: upgrade safeguard-qa to read it",
            code="newer-schema-version",
        )
    while major < reading:
        upgrade = UPGRADES.get((kind, major))
        if upgrade is None:
            raise StoredResultError.single(
                name,
                "schema_version",
                f"{kind}s of schema version {found} are no longer read (this safeguard-qa "
                f"reads version {current}); evaluate the return again",
                code="old-schema-version",
            )
        data, major = upgrade(data), major + 1
    return {**data, "schema_version": current}


def _major(version: object) -> int | None:
    """The major number of ``"2"`` or ``"2.1"``; None for anything else."""
    if not isinstance(version, str | int) or isinstance(version, bool):
        return None
    head = str(version).split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else None
