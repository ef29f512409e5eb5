"""Loading framework files: parse, validate against the models and the installed scales."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from safeguard_qa.errors import FrameworkError, InputError, Problem
from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.framework import Criterion, Framework

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
    duplicates = duplicate_ids(data, file)
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(file, exc, data, Framework)
        if duplicates:  # placed one by one below, instead of the model's single message
            problems = [p for p in problems if "is used twice" not in p.message]
        raise FrameworkError(duplicates + problems) from None
    if registry is not None:
        problems = check_framework_scales(framework, file, registry)
        if problems:
            raise FrameworkError(problems)
    return framework


def duplicate_ids(data: dict[str, Any], file: str) -> list[Problem]:
    """Every standard or criterion id used more than once, each at its place."""
    problems: list[Problem] = []
    standards_seen: set[str] = set()
    criteria_seen: set[str] = set()
    standards = data.get("standards")
    for standard in standards if isinstance(standards, list) else []:
        if not isinstance(standard, dict):
            continue
        sid = str(standard.get("id", ""))
        if sid and sid in standards_seen:
            problems.append(Problem(file, f"standard {sid}", f"standard id {sid!r} is used twice"))
        standards_seen.add(sid)
        criteria = standard.get("criteria")
        for criterion in criteria if isinstance(criteria, list) else []:
            cid = str(criterion.get("id", "")) if isinstance(criterion, dict) else ""
            if cid and cid in criteria_seen:
                problems.append(
                    Problem(
                        file,
                        f"standard {sid} › criterion {cid}",
                        f"criterion id {cid!r} is used twice",
                    )
                )
            criteria_seen.add(cid)
    return problems


def check_framework_scales(framework: Framework, file: str, registry: Registry) -> list[Problem]:
    """Every scale the framework names must be installed, and every descriptor must name a
    level of its criterion's scale."""
    known = {*registry.scales, *framework.inline_scales}
    installed = ", ".join(sorted(known))
    problems: list[Problem] = []
    if isinstance(framework.scale, str) and framework.scale not in known:
        problems.append(
            Problem(file, "scale", f"unknown scale {framework.scale!r}; installed: {installed}")
        )
    for standard in framework.standards:
        for criterion in standard.criteria:
            answer = criterion.answer
            if answer.type == "rating" and answer.scale and answer.scale not in known:
                problems.append(
                    Problem(
                        file,
                        f"standard {standard.id} › criterion {criterion.id} › answer › scale",
                        f"unknown scale {answer.scale!r}; installed: {installed}",
                    )
                )
            problems.extend(check_descriptors(framework, standard.id, criterion, file, registry))
            problems.extend(check_requirement(framework, standard.id, criterion, file, registry))
    problems.extend(check_framework_requirement(framework, file, registry))
    return problems


def check_requirement(
    framework: Framework, standard_id: str, criterion: Criterion, file: str, registry: Registry
) -> list[Problem]:
    """A criterion's own requirement must name a level of its scale. (The framework's
    requirement applies to the items rated on a scale with that level, and is checked
    against the framework's scale once, in :func:`check_framework_requirement`.)"""
    requirement = criterion.required_at_or_below
    scale = registry.scale_for(framework, criterion)
    if requirement is None or scale is None or scale.level(requirement.level) is not None:
        return []
    return [
        Problem(
            file,
            f"standard {standard_id} › criterion {criterion.id} › required_at_or_below › level",
            f"{requirement.level!r} is not a level of the {scale.id} scale; expected one of "
            + ", ".join(scale.level_ids()),
        )
    ]


def check_framework_requirement(
    framework: Framework, file: str, registry: Registry
) -> list[Problem]:
    requirement = framework.required_at_or_below
    if requirement is None:
        return []
    scale = (
        framework.scale
        if not isinstance(framework.scale, str)
        else framework.inline_scales.get(framework.scale) or registry.scales.get(framework.scale)
    )
    if scale is None or scale.level(requirement.level) is not None:
        return []
    return [
        Problem(
            file,
            "required_at_or_below › level",
            f"{requirement.level!r} is not a level of the {scale.id} scale; expected one of "
            + ", ".join(scale.level_ids()),
        )
    ]


def check_descriptors(
    framework: Framework, standard_id: str, criterion: Criterion, file: str, registry: Registry
) -> list[Problem]:
    """Descriptors keyed by level ids of the scale the criterion is rated on."""
    if not criterion.descriptors:
        return []
    place = f"standard {standard_id} › criterion {criterion.id} › descriptors"
    answer = criterion.answer
    if answer.type not in ("rating", "yes_no"):
        return [Problem(file, place, f"a {answer.type} item has no levels to describe")]
    scale = registry.scale_for(framework, criterion)
    if scale is None:  # reported above as an unknown scale
        return []
    known = scale.level_ids()
    return [
        Problem(
            file,
            f"{place} › {level}",
            f"{level!r} is not a level of the {scale.id} scale; expected one of "
            + ", ".join(known),
        )
        for level in criterion.descriptors
        if scale.level(level) is None
    ]


def load_framework(
    path: Path, registry: Registry | None = None, limits: Limits | None = None
) -> Framework:
    """Read and validate a framework YAML or JSON file."""
    try:
        data = load_document(path, limits)
    except InputError as exc:
        raise FrameworkError(exc.problems) from None
    return parse_framework(data, str(path), registry)
