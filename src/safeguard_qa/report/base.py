"""What a renderer is: a named output format for evaluations (and the partnership view)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import Evaluation

if TYPE_CHECKING:
    from safeguard_qa.analysis.partnership import PartnershipReport


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Options every renderer may honour."""

    fail_on: Severity = Severity.HIGH
    show_self: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


EvaluationRender = Callable[[Sequence[Evaluation], RenderOptions], str | bytes]
PartnershipRender = Callable[["PartnershipReport", RenderOptions], str | bytes]
StreamRender = Callable[[Iterable[Evaluation], int, RenderOptions], Iterator[str]]


@dataclass(frozen=True, slots=True)
class Renderer:
    """A named format. ``binary`` formats (xlsx) must be written to a file.

    ``stream``, where given, renders evaluations as they arrive (it is told how many will
    come) so that a folder of any size is evaluated in constant memory; it must produce
    exactly what ``evaluations`` would.
    """

    name: str
    description: str
    suffix: str
    evaluations: EvaluationRender | None = None
    partnership: PartnershipRender | None = None
    binary: bool = False
    stream: StreamRender | None = None


def lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called: a format nobody asks for (Excel, HTML)
    then costs nothing when the command starts."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = f"{module}.{name}"
    return call
