"""Built-in rating scales, read from ``scales.yaml`` beside this module."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from pydantic import TypeAdapter

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.loaders.files import Limits, parse_text
from safeguard_qa.models.scale import Scale

_SCALES = TypeAdapter(list[Scale])


@hookimpl
def register_scales(register: Callable[[Scale], None]) -> None:
    text = resources.files(__package__).joinpath("scales.yaml").read_text(encoding="utf-8")
    for scale in _SCALES.validate_python(parse_text(text, "scales.yaml", "yaml", Limits())):
        register(scale)
