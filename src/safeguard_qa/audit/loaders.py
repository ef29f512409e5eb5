"""Reading audit files and checking an audit round against its tool and its own sample.

``load_round`` reads one round's YAML or JSON file and reports every problem at once, each
placed (``case C-3 › agency northshire-police › domain practice.voice › grade``): the model's
problems first, then those that need the audit tool (unknown domains and grades, with "did
you mean") and the sample (a review of a case not sampled, an agency not involved).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from safeguard_qa.audit.models import (
    AuditRound,
    CriterionMapping,
    Programme,
    Survey,
)
from safeguard_qa.audit.places import placed_problems
from safeguard_qa.errors import InputError, Problem, raise_if_errors
from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.scale import Scale

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

M = TypeVar("M", bound=BaseModel)

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
"""The shipped mappings of framework criteria to audit domains and survey questions."""


class AuditError(InputError):
    """An audit file (round, programme, survey or mapping) is unreadable or invalid."""


def parse_document(data: Any, file: str, model: type[M], expected: str) -> M:
    """Validate plain data as ``model``; every problem is reported at once, placed."""
    if data is None or data == {}:
        raise AuditError.single(file, "", f"the file is empty; expected {expected}")
    if not isinstance(data, dict):
        raise AuditError.single(
            file, "", f"expected a mapping ({expected}), found {type(data).__name__}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AuditError(placed_problems(file, exc, data, model)) from None


def _read(path: Path, limits: Limits | None) -> Any:
    try:
        return load_document(path, limits)
    except InputError as exc:
        raise AuditError(exc.problems) from None


def load_programme(path: Path, limits: Limits | None = None) -> Programme:
    """An audit programme: partnership, year and the rounds planned."""
    return parse_document(
        _read(path, limits), str(path), Programme, "an audit programme with rounds"
    )


def load_survey(path: Path, limits: Limits | None = None) -> Survey:
    """Practitioner survey results, checked for questions the results do not declare."""
    survey = parse_document(
        _read(path, limits), str(path), Survey, "a practitioner survey with questions and results"
    )
    known = [q.id for q in survey.questions]
    problems = [
        Problem(
            str(path),
            f"agency {result.agency} › question {result.question}",
            _unknown("question", result.question, known),
        )
        for result in survey.results
        if result.question not in known
    ]
    raise_if_errors(problems, AuditError)
    return survey


def load_mapping(path: Path, limits: Limits | None = None) -> CriterionMapping:
    """A mapping of framework criteria to audit domains and survey questions."""
    return parse_document(
        _read(path, limits),
        str(path),
        CriterionMapping,
        "a mapping with framework, tool and links",
    )


def check_mapping(
    mapping: CriterionMapping, registry: Registry, file: str = "mapping"
) -> list[Problem]:
    """Every criterion and domain the mapping names must exist in its framework and tool."""
    framework = registry.framework(mapping.framework, file=file)
    tool = registry.framework(mapping.tool, file=file)
    problems: list[Problem] = []
    for link in mapping.links:
        place = f"criterion {link.criterion}"
        if link.criterion not in framework.criteria:
            problems.append(
                Problem(file, place, _unknown("criterion", link.criterion, framework.criteria))
            )
        for domain in link.domains:
            if domain not in tool.criteria:
                problems.append(
                    Problem(file, f"{place} › domains", _unknown("domain", domain, tool.criteria))
                )
    return problems


def load_round(
    path: Path, registry: Registry | None = None, limits: Limits | None = None
) -> AuditRound:
    """Read one audit round and check it against its tool and sample; raise AuditError
    listing every problem (warnings such as a sample smaller than planned do not raise)."""
    audit, _, _ = validated_round(path, registry, limits)
    return audit


def validated_round(
    path: Path, registry: Registry | None = None, limits: Limits | None = None
) -> tuple[AuditRound, Framework, list[Problem]]:
    """The round, its tool, and the warnings; AuditError on any error."""
    from safeguard_qa.plugins import load_registry

    registry = registry or load_registry()
    audit = parse_document(
        _read(path, limits), str(path), AuditRound, "an audit round with round, agencies, cases"
    )
    tool = audit_tool(audit, registry, str(path))
    warnings = raise_if_errors(check_round(audit, tool, registry, str(path)), AuditError)
    return audit, tool, warnings


def audit_tool(audit: AuditRound, registry: Registry, file: str = "") -> Framework:
    """The audit-tool framework the round names; an error when it is not an audit tool."""
    try:
        tool = registry.framework(audit.round.tool, audit.round.tool_version, file=file)
    except InputError as exc:
        raise AuditError(exc.problems) from None
    if tool.kind != "audit_tool":
        raise AuditError.single(
            file,
            "round › tool",
            f"framework {tool.id} is a {tool.kind.replace('_', '-')} framework, not an audit tool",
        )
    return tool


def tool_scale(tool: Framework, registry: Registry) -> Scale:
    scale = tool.scale if isinstance(tool.scale, Scale) else registry.scales.get(tool.scale)
    if scale is None:  # pragma: no cover - installed frameworks are checked when loaded
        raise AuditError.single(tool.id, "scale", f"unknown scale {tool.scale!r}")
    return scale


def check_round(audit: AuditRound, tool: Framework, registry: Registry, file: str) -> list[Problem]:
    """Every way the round does not fit its tool or its own sample, in file order."""
    return _RoundChecker(audit, tool, tool_scale(tool, registry), file).run()


def _unknown(noun: str, value: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f"unknown {noun} {value!r}{hint} (expected one of: {listing})"


class _RoundChecker:
    def __init__(self, audit: AuditRound, tool: Framework, scale: Scale, file: str) -> None:
        self.audit = audit
        self.tool = tool
        self.scale = scale
        self.file = file
        self.problems: list[Problem] = []
        self.agencies = [a.id for a in audit.agencies]
        self.cases = {c.ref: c for c in audit.cases}

    def add(self, place: str, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.file, place, message, "warning" if warning else "error"))

    def run(self) -> list[Problem]:
        self._check_agencies_and_cases()
        self._check_reviews()
        if self.audit.meeting is not None:
            self._check_meeting()
        return self.problems

    def _grade(self, place: str, grade: str) -> None:
        if self.scale.level(grade) is None:
            levels = ", ".join(f"{lv.id} ({lv.label})" for lv in self.scale.levels)
            close = difflib.get_close_matches(grade, self.scale.level_ids(), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add(place, f"unknown grade {grade!r}{hint} (expected one of: {levels})")

    def _domain(self, place: str, domain: str) -> bool:
        if domain in self.tool.criteria:
            return True
        self.add(place, _unknown("domain", domain, self.tool.criteria))
        return False

    def _agency(self, place: str, agency: str) -> bool:
        if agency in self.agencies:
            return True
        self.add(place, _unknown("agency", agency, self.agencies) + " (listed under agencies)")
        return False

    def _case(self, place: str, ref: str) -> bool:
        if ref in self.cases:
            return True
        self.add(place, _unknown("case", ref, self.cases) + " (listed under cases)")
        return False

    def _check_agencies_and_cases(self) -> None:
        seen: set[str] = set()
        for agency in self.audit.agencies:
            if agency.id in seen:
                self.add(f"agency {agency.id}", f"agency {agency.id!r} is listed twice")
            seen.add(agency.id)
        seen = set()
        for case in self.audit.cases:
            if case.ref in seen:
                self.add(f"case {case.ref}", f"case {case.ref!r} is listed twice")
            seen.add(case.ref)
            for involved in case.agencies:
                self._agency(f"case {case.ref} › agencies", involved)
        planned = self.audit.round.sample_size
        if len(self.audit.cases) != planned:
            self.add(
                "cases",
                f"the round planned a sample of {planned} cases; the file has "
                f"{len(self.audit.cases)}",
                warning=True,
            )

    def _check_reviews(self) -> None:
        seen: set[tuple[str, str]] = set()
        for review in self.audit.reviews:
            place = f"case {review.case} › agency {review.agency}"
            if (review.case, review.agency) in seen:
                self.add(place, "this agency's review of this case is given twice")
            seen.add((review.case, review.agency))
            if (
                self._case(place + " › case", review.case)
                and self._agency(place + " › agency", review.agency)
                and review.agency not in self.cases[review.case].agencies
            ):
                self.add(
                    place,
                    f"agency {review.agency!r} is not listed as involved in case "
                    f"{review.case}; add it to the case's agencies or remove the review",
                )
            for domain, graded in review.grades.items():
                if self._domain(f"{place} › domain {domain}", domain):
                    self._grade(f"{place} › domain {domain} › grade", graded.grade)

    def _check_meeting(self) -> None:
        meeting = self.audit.meeting
        assert meeting is not None
        impact = self._impact_domain()
        seen: set[str] = set()
        for agreement in meeting.cases:
            place = f"meeting › case {agreement.case}"
            if agreement.case in seen:
                self.add(place, f"the meeting's grades for case {agreement.case} are given twice")
            seen.add(agreement.case)
            self._case(place, agreement.case)
            for domain, grade in agreement.grades.items():
                if self._domain(f"{place} › domain {domain}", domain):
                    self._grade(f"{place} › domain {domain}", grade)
            for agency, grades in agreement.agency_grades.items():
                self._agency(f"{place} › agency {agency}", agency)
                for domain, grade in grades.items():
                    where = f"{place} › agency {agency} › domain {domain}"
                    if self._domain(where, domain):
                        self._grade(where, grade)
            self._grade(f"{place} › overall", agreement.overall)
            self._check_overall(
                place,
                agreement.overall,
                agreement.grades.get(impact or ""),
                agreement.overall_reason,
            )
        self._check_items(meeting)

    def _impact_domain(self) -> str | None:
        """The tool's domain tagged ``impact`` (the overall grade is held to it)."""
        for criterion in self.tool.criteria.values():
            if "impact" in criterion.tags:
                return criterion.id
        return None

    def _check_overall(self, place: str, overall: str, impact: str | None, reason: str) -> None:
        overall_level, impact_level = self.scale.level(overall), self.scale.level(impact or "")
        if overall_level is None or impact_level is None or reason.strip():
            return
        if self.scale.rank(overall_level) > self.scale.rank(impact_level):
            self.add(
                f"{place} › overall",
                f"the overall grade ({overall_level.label}) is better than the impact grade "
                f"({impact_level.label}); give overall_reason, or grade no higher than impact",
            )

    def _check_items(self, meeting: Any) -> None:
        learning_ids = [lp.id for lp in meeting.learning]
        for kind, items in (
            ("learning point", meeting.learning),
            ("immediate concern", meeting.concerns),
            ("recommendation", meeting.recommendations),
        ):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    self.add(f"meeting › {kind} {item.id}", f"{kind} id {item.id!r} is used twice")
                seen.add(item.id)
        for point in meeting.learning:
            place = f"meeting › learning point {point.id}"
            for agency in point.agencies:
                self._agency(f"{place} › agencies", agency)
            for domain in point.domains:
                self._domain(f"{place} › domains", domain)
        for concern in meeting.concerns:
            place = f"meeting › immediate concern {concern.id}"
            self._case(f"{place} › case", concern.case)
            self._agency(f"{place} › agency", concern.agency)
        for rec in meeting.recommendations:
            place = f"meeting › recommendation {rec.id}"
            if rec.agency is not None:
                self._agency(f"{place} › agency", rec.agency)
            for ref in rec.learning:
                if ref not in learning_ids:
                    self.add(f"{place} › learning", _unknown("learning point", ref, learning_ids))
