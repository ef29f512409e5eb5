"""Loading framework files: parse, validate against the models and the installed scales."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from safeguard_qa.errors import FrameworkError, Problem
from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.framework import Framework

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry


def parse_framework(data: Any, file: str, registry: Registry | None = None) -> Framework:
    """Validate plain data as a framework; every problem is reported at once."""
    if data is None or data == {}:
        raise FrameworkError.single(
            file,
            "",
            "the file is empty; expected a framework with id, version, scale and standards",
        )
    if not isinstance(data, dict):
        raise FrameworkError.single(
            file, "", f"expected a mapping of framework fields, found {type(data).__name__}"
        )
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        raise FrameworkError(problems_from_validation(file, exc, data, Framework)) from None
    if registry is not None:
        problems = check_framework_scales(framework, file, registry)
        if problems:
            raise FrameworkError(problems)
    return framework


def check_framework_scales(framework: Framework, file: str, registry: Registry) -> list[Problem]:
    """Every scale the framework names must be installed."""
    installed = ", ".join(sorted(registry.scales))
    problems: list[Problem] = []
    if isinstance(framework.scale, str) and framework.scale not in registry.scales:
        problems.append(
            Problem(file, "scale", f"unknown scale {framework.scale!r}; installed: {installed}")
        )
    for standard in framework.standards:
        for criterion in standard.criteria:
            answer = criterion.answer
            if answer.type == "rating" and answer.scale and answer.scale not in registry.scales:
                problems.append(
                    Problem(
                        file,
                        f"standard {standard.id} › criterion {criterion.id} › answer › scale",
                        f"unknown scale {answer.scale!r}; installed: {installed}",
                    )
                )
    return problems


def load_framework(
    path: Path, registry: Registry | None = None, limits: Limits | None = None
) -> Framework:
    """Read and validate a framework YAML or JSON file."""
    return parse_framework(load_document(path, limits), str(path), registry)
