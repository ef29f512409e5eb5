"""Checking models against the registry: what a file's own schema cannot know.

A return is checked against its framework (criteria, scales, N/A, figures, dates,
requirements), a policy against the installed rules and roll-ups. Loaders (which only
parse) and the engine both use these; nothing here reads a file. Every problem is reported
at once, with its place; a missing mandatory response or an unmet requirement is a warning
(the return is still evaluated, and the engine flags it); everything else is an error.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from pydantic import ValidationError

from safeguard_qa.errors import Problem, UnknownFrameworkError
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.framework import Criterion, Framework, NumericAnswer, Standard
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.returns import Response, Return
from safeguard_qa.models.scale import NA, Scale

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry


def check_return(ret: Return, registry: Registry, file: str = "") -> list[Problem]:
    """Every way ``ret`` does not fit its framework, errors and warnings, in return order."""
    file = file or ret.id
    try:
        framework = registry.framework(ret.framework, ret.framework_version, file=file)
    except UnknownFrameworkError as exc:
        return list(exc.problems)
    return _Checker(ret, framework, registry, file).run()


def unmet_requirement(
    framework: Framework, criterion: Criterion, scale: Scale | None, response: Response
) -> list[str]:
    """What a response rated at or below the item's required level still lacks: the
    commentary and/or an action with a description, an owner and a due date."""
    requirement = criterion.required_at_or_below or framework.required_at_or_below
    if requirement is None or scale is None or response.rating is None:
        return []
    level, threshold = scale.level(response.rating), scale.level(requirement.level)
    if level is None or threshold is None or scale.is_na(level):
        return []
    if scale.rank(level) > scale.rank(threshold):
        return []
    missing = []
    label = threshold.label or threshold.id
    if requirement.commentary and not response.commentary.strip():
        missing.append(f"rated at or below {label}: an explanation (commentary) is required")
    if requirement.action and not any(
        a.description.strip() and a.owner.strip() and a.due is not None for a in response.actions
    ):
        missing.append(
            f"rated at or below {label}: an action with a description, owner and due date "
            "is required"
        )
    return missing


def check_policy(policy: Policy, registry: Registry, file: str) -> list[Problem]:
    """Names the policy uses that are not installed, and rule parameters that do not fit."""
    problems: list[Problem] = []
    for level in ("standard", "overall"):
        name = getattr(policy.rollup, level)
        if name not in registry.rollups:
            problems.append(
                Problem(
                    file,
                    f"rollup › {level}",
                    f"unknown roll-up {name!r}; installed: {', '.join(sorted(registry.rollups))}",
                )
            )
    named = list(policy.rules) + list(policy.only_rules or ())
    for rule_id in dict.fromkeys(named):
        if rule_id not in registry.rules:
            problems.append(
                Problem(
                    file,
                    f"rules › {rule_id}",
                    f"unknown rule {rule_id!r}; installed: {', '.join(sorted(registry.rules))}",
                )
            )
    for rule_id, config in policy.rules.items():
        rule = registry.rules.get(rule_id)
        if rule is None:
            continue
        try:
            rule.parse_params(config.params)
        except ValidationError as exc:
            for problem in problems_from_validation(file, exc, config.params, rule.Params):
                place = f"rules › {rule_id} › params › {problem.place}".rstrip(" ›")
                problems.append(Problem(file, place, problem.message))
    return problems


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
        self._check_standards_na()
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
            and standard.id not in self.ret.standards_na
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
            level = scale.level(value) if scale is not None else None
            if value.casefold() == NA or (level is not None and scale and scale.is_na(level)):
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
            if response.value is not None:
                self._check_figure(response.value, answer, place)
        elif response.value is not None:
            self.add(f"{place} › value", f"a {answer.type} criterion takes no numeric value")
        if self._is_na(response, scale):
            self._check_na_reason(response.commentary, place)
        self._check_requirement(response, criterion, scale, place)
        start = self.ret.period.start
        for number, action in enumerate(response.actions, 1):
            if action.completed is not None and action.completed < start:
                self.add(
                    f"{place} › action {number} › completed",
                    f"completed on {action.completed}, before the period began on {start}",
                )

    def _check_figure(self, value: float, answer: NumericAnswer, place: str) -> None:
        """Within the item's min and max, and in its steps."""
        low, high = answer.lowest, answer.highest
        unit = "%" if answer.unit == "percent" else ""
        if value < low or (high is not None and value > high):
            if answer.min is None and answer.max is None:
                expected = (
                    "a percentage from 0 to 100"
                    if answer.unit == "percent"
                    else "a count of 0 or more"
                )
            elif high is None:
                expected = f"a figure of {low:g}{unit} or more"
            else:
                expected = f"a figure from {low:g}{unit} to {high:g}{unit}"
            self.add(f"{place} › value", f"expected {expected}, found {value:g}")
        elif answer.step is not None:
            steps = (value - low) / answer.step
            if abs(steps - round(steps)) > 1e-9:
                self.add(
                    f"{place} › value",
                    f"expected a figure in steps of {answer.step:g}{unit} from {low:g}{unit}; "
                    f"found {value:g}",
                )

    def _is_na(self, response: Response, scale: Scale | None) -> bool:
        rating = response.rating
        if rating is None:
            return False
        if rating.casefold() == NA:
            return True
        level = scale.level(rating) if scale is not None else None
        return level is not None and scale is not None and scale.is_na(level)

    def _check_na_reason(self, reason: str, place: str) -> None:
        if self.framework.na_requires_reason and not reason.strip():
            self.add(
                place,
                "answered N/A without a reason; the framework asks for one (in the commentary)",
                "warning",
            )

    def _check_requirement(
        self, response: Response, criterion: Criterion, scale: Scale | None, place: str
    ) -> None:
        """Templates say "if not in place, an explanation and timescale MUST be given"."""
        for message in unmet_requirement(self.framework, criterion, scale, response):
            self.add(place, message, "warning")

    def _check_standards_na(self) -> None:
        seen: set[str] = set()
        standards = {s.id: s for s in self.framework.standards}
        answered = {r.criterion for r in self.ret.responses if r.rating or r.value is not None}
        for item in self.ret.not_applicable:
            place = f"not_applicable › standard {item.standard}"
            standard = standards.get(item.standard)
            if standard is None:
                close = difflib.get_close_matches(item.standard, list(standards), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(place, f"no such standard in framework {self.framework.id}{hint}")
                continue
            if item.standard in seen:
                self.add(place, "marked not applicable twice")
            seen.add(item.standard)
            if standard.mandatory:
                self.add(place, "this standard is mandatory: it cannot be marked not applicable")
            self._check_na_reason(item.reason, place)
            rated = [c.id for c in standard.criteria if c.id in answered]
            if rated:
                self.add(
                    place,
                    f"the standard is marked not applicable but {', '.join(rated)} "
                    "answered; those answers are left out",
                    "warning",
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
