"""Loading returns and checking them against their framework.

``load_return`` reads one file (YAML, JSON, CSV or XLSX) into a :class:`Return`;
``check_return`` lists every way it does not fit its framework. A missing mandatory
response is a warning here (the return is still evaluated, and the engine flags it);
everything else is an error.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from safeguard_qa.errors import (
    InputError,
    Problem,
    ReturnError,
    UnknownFrameworkError,
    raise_if_errors,
)
from safeguard_qa.loaders.files import Limits, format_of
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.framework import Criterion, Framework, Standard
from safeguard_qa.models.returns import Response, Return
from safeguard_qa.models.scale import NA

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

INPUT_FORMATS = ("yaml", "json", "csv", "xlsx")


def parse_return(data: Any, file: str) -> Return:
    """Validate plain data as a return; every problem is reported at once."""
    if data is None or data == {}:
        raise ReturnError.single(
            file, "", "the file is empty; expected a return with framework, agency and responses"
        )
    if not isinstance(data, dict):
        raise ReturnError.single(
            file, "", f"expected a mapping of return fields, found {type(data).__name__}"
        )
    if "standards" in data and "responses" not in data:
        raise ReturnError.single(
            file, "", "this looks like a framework file, not a return (it has standards)"
        )
    try:
        return Return.model_validate(data)
    except ValidationError as exc:
        raise ReturnError(problems_from_validation(file, exc, data, Return)) from None


def load_return(
    path: Path,
    limits: Limits | None = None,
    input_format: str | None = None,
    registry: Registry | None = None,
) -> Return:
    """Read a return from YAML, JSON, CSV or XLSX (by extension unless ``input_format``).

    CSV and XLSX returns carry only criterion ids, so they need the ``registry`` only when
    a framework must be consulted; YAML and JSON never do.
    """
    try:
        return _load_return(path, limits, input_format, registry)
    except ReturnError:
        raise
    except InputError as exc:  # unreadable (size, encoding, syntax): still a bad return
        raise ReturnError(exc.problems) from None


def _load_return(
    path: Path, limits: Limits | None, input_format: str | None, registry: Registry | None
) -> Return:
    fmt = input_format or format_of(path)
    if fmt in ("yaml", "json"):
        limits = limits or Limits.from_env()
        from safeguard_qa.loaders.files import parse_text, read_text

        return parse_return(parse_text(read_text(path, limits), str(path), fmt, limits), str(path))
    if fmt in ("csv", "xlsx"):
        from safeguard_qa.io.tabular import read_tabular_return

        return read_tabular_return(path, fmt, limits or Limits.from_env(), registry=registry)
    raise ReturnError.single(
        str(path),
        "",
        f"cannot tell the format from {path.suffix or 'no extension'!r}; expected one of "
        f".yaml, .yml, .json, .csv, .xlsx (or pass --input-format)",
    )


def check_return(ret: Return, registry: Registry, file: str = "") -> list[Problem]:
    """Every way ``ret`` does not fit its framework, errors and warnings, in return order."""
    file = file or ret.id
    try:
        framework = registry.framework(ret.framework, ret.framework_version, file=file)
    except UnknownFrameworkError as exc:
        return list(exc.problems)
    return _Checker(ret, framework, registry, file).run()


def validated_return(
    path: Path,
    registry: Registry,
    limits: Limits | None = None,
    input_format: str | None = None,
) -> tuple[Return, Framework, list[Problem]]:
    """Load and check a return; raise ReturnError on any error, return the warnings."""
    ret = load_return(path, limits, input_format, registry)
    warnings = raise_if_errors(check_return(ret, registry, str(path)), ReturnError)
    return ret, registry.framework(ret.framework, ret.framework_version), warnings


class _Checker:
    def __init__(self, ret: Return, framework: Framework, registry: Registry, file: str) -> None:
        self.ret = ret
        self.framework = framework
        self.registry = registry
        self.file = file
        self.problems: list[Problem] = []

    def add(self, place: str, message: str, level: str = "error") -> None:
        self.problems.append(
            Problem(self.file, place, message, "warning" if level == "warning" else "error")
        )

    def run(self) -> list[Problem]:
        ret, framework = self.ret, self.framework
        agency = ret.agency
        if framework.applies_to and not (
            agency.type in framework.applies_to or agency.sector in framework.applies_to
        ):
            self.add(
                "agency › type",
                f"framework {framework.id} is for {', '.join(framework.applies_to)}; "
                f"found agency type {agency.type!r}",
            )
        self._check_dates()
        seen: set[str] = set()
        for response in ret.responses:
            criterion = framework.criteria.get(response.criterion)
            if criterion is None:
                self._unknown(response)
                continue
            standard = framework.standard_of[criterion.id]
            place = f"standard {standard.id} › criterion {criterion.id}"
            if criterion.id in seen:
                self.add(place, "answered twice; keep one response per criterion")
                continue
            seen.add(criterion.id)
            if not criterion.applies(agency.type, agency.sector):
                self.add(
                    place,
                    f"does not apply to agency type {agency.type!r} "
                    f"(it applies to {', '.join(criterion.applies_to)}); remove the response",
                )
                continue
            self._check_response(response, criterion, place)
        for standard, criterion in self._mandatory_unanswered(seen):
            self.add(
                f"standard {standard.id} › criterion {criterion.id}",
                "no response to a mandatory criterion",
                "warning",
            )
        return self.problems

    def _unknown(self, response: Response) -> None:
        close = difflib.get_close_matches(response.criterion, list(self.framework.criteria), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.add(
            f"criterion {response.criterion}",
            f"no such criterion in framework {self.framework.id} {self.framework.version}{hint}",
        )

    def _mandatory_unanswered(self, seen: set[str]) -> list[tuple[Standard, Criterion]]:
        agency = self.ret.agency
        return [
            (standard, criterion)
            for standard in self.framework.standards
            for criterion in standard.criteria
            if criterion.mandatory
            and criterion.id not in seen
            and criterion.applies(agency.type, agency.sector)
        ]

    def _check_response(self, response: Response, criterion: Criterion, place: str) -> None:
        answer = criterion.answer
        scale = self.registry.scale_for(self.framework, criterion)
        statutory_agency = self.ret.agency.statutory
        for field_name in ("rating", "moderated"):
            value = getattr(response, field_name)
            if value is None:
                continue
            if value.casefold() == NA:
                if field_name == "moderated":
                    self.add(f"{place} › moderated", "a moderated rating cannot be N/A")
                elif scale is not None and not scale.allows_na(statutory_agency):
                    who = "statutory agencies" if statutory_agency else "any agency"
                    self.add(
                        f"{place} › rating",
                        f"N/A is not allowed for {who} on the {scale.id} scale; "
                        f"expected one of {', '.join(scale.level_ids())}",
                    )
                continue
            if scale is None:
                self.add(
                    f"{place} › {field_name}",
                    f"a {answer.type} criterion takes no rating; found {value!r}",
                )
            elif scale.level(value) is None:
                extra = (
                    ", na" if field_name == "rating" and scale.allows_na(statutory_agency) else ""
                )
                self.add(
                    f"{place} › {field_name}",
                    f"{value!r} is not on the {scale.id} scale; expected one of "
                    f"{', '.join(scale.level_ids())}{extra}",
                )
        if answer.type == "numeric":
            if (
                response.value is not None
                and answer.unit == "percent"
                and not (0 <= response.value <= 100)
            ):
                self.add(
                    f"{place} › value",
                    f"expected a percentage from 0 to 100, found {response.value:g}",
                )
            elif response.value is not None and response.value < 0:
                self.add(
                    f"{place} › value", f"expected a count of 0 or more, found {response.value:g}"
                )
        elif response.value is not None:
            self.add(f"{place} › value", f"a {answer.type} criterion takes no numeric value")
        start = self.ret.period.start
        for number, action in enumerate(response.actions, 1):
            if action.completed is not None and action.completed < start:
                self.add(
                    f"{place} › action {number} › completed",
                    f"completed on {action.completed}, before the period began on {start}",
                )

    def _check_dates(self) -> None:
        ret = self.ret
        sign_off, submitted = ret.sign_off, ret.submitted
        if sign_off is not None and submitted is not None and sign_off.date > submitted:
            self.add(
                "sign_off › date",
                f"signed off on {sign_off.date}, after the return was submitted on {submitted}",
            )
        if submitted is not None and submitted < ret.period.start:
            self.add(
                "submitted",
                f"submitted on {submitted}, before the period began on {ret.period.start}",
            )
        if ret.deadline is not None and ret.deadline < ret.period.start:
            self.add(
                "deadline",
                f"the deadline {ret.deadline} is before the period began on {ret.period.start}",
            )
