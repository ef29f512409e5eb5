"""Shared pydantic configuration and field types."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def _ascii_id(value: Any) -> Any:
    # Only ASCII: a zero-width space or a Cyrillic "а" would make one agency look like two
    # ("2 of 1 returns") while printing identically. Name the character, which no one can see.
    if isinstance(value, str):
        for char in value.strip():
            if char not in _ID_CHARACTERS:
                raise ValueError(
                    f"{value.strip()[:64]!r} contains {describe_character(char)}; "
                    "ids may use only ASCII letters, digits, '-', '_' and '.'"
                )
    return value


def describe_character(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named so that it can be found and removed."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')}"


Identifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.\-]*$"
    ),
    BeforeValidator(_ascii_id),
]
"""A stable id: ASCII letters, digits, dot, dash and underscore, starting with a letter or
digit. (The pattern's ``\\w`` is ASCII in JSON Schema; the validator enforces it here too.)"""

Text = Annotated[str, StringConstraints(max_length=20_000)]
"""Free text from an agency: evidence, commentary. Bounded so one cell cannot exhaust memory."""

ShortText = Annotated[str, StringConstraints(max_length=500)]

Number = Annotated[float, Field(allow_inf_nan=False)]
"""A finite number: NaN and infinity are refused, in YAML (.nan) as in JSON."""


def _not_a_number(value: Any) -> Any:
    # pydantic would read 0 or 20250331 as a Unix timestamp: a date must be written as one
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"expected a date as YYYY-MM-DD; found {value!r}")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number)]
"""A calendar date, written YYYY-MM-DD (YAML dates and ISO strings); never a number."""


class Model(BaseModel):
    """Definitions: immutable, and unknown keys are an error (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, without the values cached from this model's fields (e.g. a return's
        responses by criterion): with ``update`` they would describe the old fields."""
        copy = super().model_copy(update=update, deep=deep)
        for klass in type(self).__mro__:
            for name, attr in vars(klass).items():
                if isinstance(attr, cached_property):
                    copy.__dict__.pop(name, None)
        return copy
