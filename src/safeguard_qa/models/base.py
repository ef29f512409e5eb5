"""Shared pydantic configuration and field types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Identifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.\-]*$"
    ),
]
"""A stable id: letters, digits, dot, dash and underscore, starting with a letter or digit."""

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
