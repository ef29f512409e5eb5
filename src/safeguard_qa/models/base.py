"""Shared pydantic configuration and field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

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


class Model(BaseModel):
    """Definitions: immutable, and unknown keys are an error (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
