"""The engine: self, assured and moderated ratings, roll-ups and challenge flags for returns.

Build an :class:`Engine` once (it resolves rules, their parameters and roll-ups from the
registry and the policy), then evaluate any number of returns with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from safeguard_qa.engine.rollup import POINTS, Part, RollupStrategy, capped_score, worst_of
from safeguard_qa.errors import (
    ConfigurationError,
    OutcomesError,
    PolicyError,
    Problem,
    ReturnError,
    RuleError,
    raise_if_errors,
)
from safeguard_qa.models.framework import Criterion, Framework, NumericAnswer, Standard
from safeguard_qa.models.outcomes import Outcome, Outcomes
from safeguard_qa.models.policy import SCORE_DIGITS, Policy, Severity
from safeguard_qa.models.results import (
    SCHEMA_VERSION,
    AgencyRef,
    BasisItem,
    CriterionResult,
    Evaluation,
    Flag,
    FrameworkRef,
    Ratings,
    StandardResult,
)
from safeguard_qa.models.returns import Response, Return
from safeguard_qa.models.scale import NA, RAG, Level, Scale
from safeguard_qa.plugins import Registry
from safeguard_qa.rules.base import CriterionView, Finding, PeerStats, ReturnContext, Rule
from safeguard_qa.validation import check_policy, check_return


@dataclass(frozen=True, slots=True)
class _ActiveRule:
    rule: Rule
    params: Any
    severity: Severity | None
    plugin: str


@dataclass(frozen=True, slots=True)
class _Level:
    """A level of a scale as answers meet it: whether it means N/A, and its position."""

    level: Level
    na: bool
    position: float | None


@dataclass(frozen=True, slots=True)
class _Item:
    """An applicable criterion with what does not depend on the answer, worked out once per
    plan: its scale's levels by casefolded id, and its numeric answer, if any."""

    criterion: Criterion
    standard: Standard
    scale: Scale | None
    levels: Mapping[str, _Level]
    numeric: NumericAnswer | None


@dataclass(frozen=True, slots=True)
class _Plan:
    """What evaluating a return of one framework and agency type needs before its answers:
    the applicable criteria in framework order, and each one's place in that order."""

    items: tuple[_Item, ...]
    order: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class _Answers:
    """A return's answers resolved once: the views the rules read and, beside each, where
    the self answer sits from 0 to 1 (see :func:`_position`)."""

    views: tuple[CriterionView, ...]
    positions: tuple[float | None, ...]
    order: Mapping[str, int]


MAX_FINDINGS_PER_RULE = 1000
"""More findings than this from one rule on one return stop the run with a RuleError: a
return has at most a few hundred criteria, actions and evidence items."""


class Engine:
    """Evaluates returns under one policy with the rules and roll-ups of one registry."""

    def __init__(
        self, registry: Registry, policy: Policy | None = None, *, policy_file: str | None = None
    ) -> None:
        """``policy_file`` names the file the policy was read from. Without one the policy
        was built in code, and what is wrong with it is the program's setting: a
        ConfigurationError, where a policy file's problems are a PolicyError."""
        self.registry = registry
        self.policy = policy = policy or Policy()
        error = PolicyError if policy_file is not None else ConfigurationError
        policy_file = policy_file or "policy"
        problems = check_policy(policy, registry, policy_file)
        if problems:
            raise error(problems)
        self._rules = [
            _ActiveRule(
                rule,
                rule.parse_params(policy.rule_config(rule.id).params),
                policy.rule_config(rule.id).severity,
                registry.owners.get(("rules", rule.id), "?"),
            )
            for rule in registry.rules.values()
            if policy.runs(rule.id)
        ]
        if not self._rules:
            raise error(
                [Problem(policy_file, "rules", "no rule is enabled: nothing would be checked")]
            )
        self._standard_rollup = registry.rollups[policy.rollup.standard]
        overall = registry.rollups[policy.rollup.overall]
        self._overall_rollup = overall
        self._overall_bands = overall.bands(policy) if overall.bands is not None else None
        self._plans: dict[tuple[str, str, str, str | None], _Plan] = {}
        self._scales: dict[int, tuple[Scale, Mapping[str, _Level]]] = {}

    @property
    def needs_peers(self) -> bool:
        """Whether any enabled rule compares an agency with its peers."""
        return any(active.rule.needs_peers for active in self._rules)

    # --- set-up per return --------------------------------------------------------------

    def framework_for(self, ret: Return) -> Framework:
        return self.registry.framework(ret.framework, ret.framework_version)

    def _plan(self, framework: Framework, ret: Return) -> _Plan:
        """Applicable criteria with their scales, computed once per framework and agency type."""
        key = (framework.id, framework.version, ret.agency.type, ret.agency.sector)
        plan = self._plans.get(key)
        if plan is None:
            items = tuple(
                self._item(framework, criterion, standard)
                for standard in framework.standards
                for criterion in standard.criteria
                if criterion.applies(ret.agency.type, ret.agency.sector)
            )
            order = {item.criterion.id: i for i, item in enumerate(items)}
            plan = self._plans[key] = _Plan(items, order)
        return plan

    def _item(self, framework: Framework, criterion: Criterion, standard: Standard) -> _Item:
        scale = self.registry.scale_for(framework, criterion)
        answer = criterion.answer
        numeric = answer if isinstance(answer, NumericAnswer) else None
        return _Item(criterion, standard, scale, self._levels(scale), numeric)

    def _levels(self, scale: Scale | None) -> Mapping[str, _Level]:
        """A scale's levels by casefolded id, each with its N/A-ness and position (the
        scale object is kept with them, so its id cannot be reused while cached)."""
        if scale is None:
            return {}
        known = self._scales.get(id(scale))
        if known is None or known[0] is not scale:
            levels = {}
            for level in scale.levels:
                na = scale.is_na(level)
                levels[level.id.casefold()] = _Level(level, na, None if na else scale.score(level))
            known = self._scales[id(scale)] = (scale, levels)
        return known[1]

    def views(self, ret: Return, framework: Framework | None = None) -> tuple[CriterionView, ...]:
        """Each applicable criterion with its response and resolved self rating."""
        return self._answers(ret, framework or self.framework_for(ret)).views

    def _answers(self, ret: Return, framework: Framework) -> _Answers:
        """Each applicable criterion's view and position, resolved once for the return."""
        plan = self._plan(framework, ret)
        responses = ret.by_criterion
        left_out = ret.standards_na
        views = []
        positions = []
        for item in plan.items:
            if item.standard.id in left_out:
                continue
            view, position = _resolve(item, responses.get(item.criterion.id))
            views.append(view)
            positions.append(position)
        order = (
            plan.order if not left_out else {view.criterion.id: i for i, view in enumerate(views)}
        )
        return _Answers(tuple(views), tuple(positions), order)

    def peer_stats(self, returns: Iterable[Return]) -> PeerStats:
        """Counts of self scores per criterion across ``returns``, for rules that compare
        peers. Takes any iterable, so returns can be streamed past it one at a time."""
        counts: dict[Any, dict[float, int]] = defaultdict(lambda: defaultdict(int))
        for ret in returns:
            self.add_peer(counts, ret)
        return PeerStats({key: dict(value) for key, value in counts.items()})

    def add_peer(self, counts: dict[Any, dict[float, int]], ret: Return) -> None:
        """Count one return's self ratings into ``counts`` (only the ratings: this runs over
        every return before any is evaluated, usually read again for its evaluation)."""
        responses = ret.by_criterion
        left_out = ret.standards_na
        group = (ret.agency.type, ret.agency.sector or "")
        for item in self._plan(self.framework_for(ret), ret).items:
            response = responses.get(item.criterion.id)
            if response is not None and item.standard.id not in left_out:
                self_rag = _self_rag(item, response)
                if self_rag is not None:
                    counts[(ret.framework, item.criterion.id, *group)][POINTS[self_rag]] += 1

    def _count_answers(
        self, counts: dict[Any, dict[float, int]], ret: Return, answers: _Answers
    ) -> None:
        """What :meth:`add_peer` counts, from answers already resolved."""
        group = (ret.agency.type, ret.agency.sector or "")
        for view in answers.views:
            if view.response is not None and view.self_rag is not None:
                counts[(ret.framework, view.criterion.id, *group)][POINTS[view.self_rag]] += 1

    # --- evaluation ---------------------------------------------------------------------

    def evaluate(
        self,
        ret: Return,
        *,
        previous: Return | None = None,
        peers: PeerStats | None = None,
        outcomes: Outcomes | None = None,
        validate: bool = True,
        file: str = "",
        extra_flags: Sequence[Flag] = (),
    ) -> Evaluation:
        """Evaluate one return. ``validate=False`` skips :func:`check_return` when the caller
        has already checked it (e.g. with ``validated_return``). ``extra_flags`` are flags
        raised outside the rules, e.g. by triangulation with case-file audits: they cap,
        join the agenda and take outcomes exactly like the rules' own."""
        if validate:
            raise_if_errors(check_return(ret, self.registry, file), ReturnError)
        return self._evaluate(ret, None, previous, peers, outcomes, extra_flags)

    def _evaluate(
        self,
        ret: Return,
        answers: _Answers | None,
        previous: Return | None,
        peers: PeerStats | None,
        outcomes: Outcomes | None,
        extra_flags: Sequence[Flag],
    ) -> Evaluation:
        framework = self.framework_for(ret)
        answers = answers or self._answers(ret, framework)
        previous_items = None
        if previous is not None and previous.framework == ret.framework:
            previous_items = {v.criterion.id: v for v in self.views(previous)}
        ctx = ReturnContext(
            ret=ret,
            framework=framework,
            policy=self.policy,
            as_of=self.as_of(ret),
            items=answers.views,
            previous=previous,
            previous_items=previous_items,
            peers=peers,
        )
        flags = self._flags(ctx, extra_flags)
        flags.sort(key=_flag_order(answers.order))
        applied = _applicable_outcomes(outcomes, ret, ctx.as_of)
        flags = _apply_flag_outcomes(flags, applied)
        return self._assemble(ctx, answers, flags, applied)

    def evaluate_many(
        self,
        returns: Sequence[Return],
        *,
        previous: Mapping[str, Return] | None = None,
        outcomes: Outcomes | None = None,
        validate: bool = True,
        extra_flags: Mapping[str, Sequence[Flag]] | None = None,
    ) -> list[Evaluation]:
        """Evaluate one partnership's returns together, so peer rules can compare them.
        ``previous`` maps agency id to that agency's previous return; ``extra_flags`` maps
        an agency id to flags raised outside the rules (see :meth:`evaluate`)."""
        if validate:
            for ret in returns:
                raise_if_errors(check_return(ret, self.registry, ""), ReturnError)
        # each return's answers are resolved once, for the peer counts and its evaluation
        answers = [self._answers(ret, self.framework_for(ret)) for ret in returns]
        peers = None
        if self.needs_peers:
            counts: dict[Any, dict[float, int]] = defaultdict(lambda: defaultdict(int))
            for ret, resolved in zip(returns, answers, strict=True):
                self._count_answers(counts, ret, resolved)
            peers = PeerStats({key: dict(value) for key, value in counts.items()})
        previous = previous or {}
        extra = extra_flags or {}
        return [
            self._evaluate(
                ret,
                resolved,
                previous.get(ret.agency.id),
                peers,
                outcomes,
                extra.get(ret.agency.id, ()),
            )
            for ret, resolved in zip(returns, answers, strict=True)
        ]

    def as_of(self, ret: Return) -> dt.date:
        """The policy's as-of date, else the return's submitted date, deadline or period end."""
        return self.policy.as_of or ret.submitted or ret.deadline or ret.period.end

    def _flags(self, ctx: ReturnContext, extra: Sequence[Flag]) -> list[Flag]:
        """The rules' flags, then the ``extra`` ones not already raised."""
        ret = ctx.ret
        criteria = ctx.framework.criteria
        standard_of = ctx.framework.standard_of
        flags: list[Flag] = []
        for active in self._rules:
            make = _FlagMaker(active, ret, criteria, standard_of)
            try:
                for found, finding in enumerate(active.rule.check(ctx, active.params), 1):
                    if found > MAX_FINDINGS_PER_RULE:
                        raise RuleError(
                            f"rule {active.rule.id} (plugin {active.plugin}) gave more than "
                            f"{MAX_FINDINGS_PER_RULE} findings on return {ret.id}; a rule "
                            "that runs away is stopped rather than flooding the agenda"
                        )
                    flags.append(make(finding))
            except RuleError:
                raise
            except Exception as exc:
                raise RuleError(
                    f"rule {active.rule.id} (plugin {active.plugin}) failed on return "
                    f"{ret.id}: {type(exc).__name__}: {exc}"
                ) from exc
        if extra:
            _add_extra(ctx, flags, extra)
        return flags

    def _assemble(
        self, ctx: ReturnContext, answers: _Answers, flags: list[Flag], applied: list[Outcome]
    ) -> Evaluation:
        ret = ctx.ret
        caps: dict[str | None, list[RAG]] = defaultdict(list)
        flag_ids: dict[str, list[str]] = defaultdict(list)
        for flag in flags:
            if flag.criterion is not None:
                flag_ids[flag.criterion].append(flag.fingerprint)
            if flag.caps is not None and flag.status != "dismissed":
                caps[flag.criterion].append(flag.caps)
        moderated = _moderated_levels(ret, applied, flags)
        criteria: list[CriterionResult] = []
        weights: dict[str, float] = {}
        by_standard: dict[str, _Parts] = {}
        mean_bands = self.policy.mean_bands
        for view, position in zip(answers.views, answers.positions, strict=True):
            criterion = view.criterion
            cid = criterion.id
            self_rag = view.self_rag
            assured = _capped(self_rag, caps[cid]) if cid in caps else self_rag
            mod_level = moderated.get(cid)
            mod_rag = None
            mod_position = None
            if mod_level is not None and view.scale is not None:
                level = view.scale.level(mod_level)
                if level is None:
                    raise OutcomesError.single(
                        "outcomes",
                        f"agency {ret.agency.id} › criterion {cid} › moderated",
                        f"{mod_level!r} is not on the {view.scale.id} scale; expected one of "
                        f"{', '.join(view.scale.level_ids())}",
                    )
                mod_position = view.scale.score(level)
                mod_rag = level.rag
            self_score = POINTS[self_rag] if self_rag is not None else None
            assured_score = POINTS[assured] if assured is not None else None
            response = view.response
            criteria.append(
                _trusted(
                    CriterionResult,
                    {
                        "self_rag": self_rag,
                        "assured_rag": assured,
                        "moderated_rag": mod_rag,
                        "self_score": self_score,
                        "assured_score": assured_score,
                        "criterion": cid,
                        "standard": view.standard.id,
                        "answer_type": criterion.answer.type,
                        "weight": criterion.weight,
                        "self_level": view.level.id if view.level is not None else None,
                        "moderated_level": mod_level,
                        "value": response.value if response is not None else None,
                        "not_applicable": view.not_applicable,
                        "answered": view.answered,
                        "flags": tuple(flag_ids[cid]) if cid in flag_ids else (),
                    },
                    _ALL_SET,
                )
            )
            weights[cid] = criterion.weight
            parts = by_standard.get(view.standard.id)
            if parts is None:
                parts = by_standard[view.standard.id] = _Parts()
            # the rows a roll-up sees (see _Parts): N/A and unanswered criteria are left out
            assured_part = None
            if self_rag is not None and self_score is not None:
                parts.self.append(Part(cid, self_rag, criterion.weight, self_score, position))  # type: ignore[arg-type]
            if assured is not None and assured_score is not None:
                capped = position
                if position is not None and self_rag is not None and assured != self_rag:
                    # a capped criterion's position is lowered with its RAG (to the top of
                    # the capped band), so a roll-up of positions cannot ignore a cap
                    capped = capped_score(position, assured, mean_bands)
                assured_part = Part(
                    cid,
                    assured,
                    criterion.weight,
                    assured_score,
                    capped if capped is not None else assured_score,
                )
                parts.assured.append(assured_part)
            if mod_rag is not None:
                mod_points = POINTS[mod_rag]
                parts.moderated.append(
                    Part(
                        cid,
                        mod_rag,
                        criterion.weight,
                        mod_points,
                        mod_position if mod_position is not None else mod_points,
                    )
                )
                parts.any_moderated = True
            elif assured_part is not None:
                parts.moderated.append(assured_part)
        standards: list[StandardResult] = []
        overall = _Parts()
        for standard in ctx.framework.standards:
            parts = by_standard.get(standard.id)
            if parts is None:
                continue
            fields, moderated_score = self._rollup(parts, self._standard_rollup)
            standards.append(
                _trusted(
                    StandardResult,
                    {
                        "self_rag": fields["self_rag"],
                        "assured_rag": fields["assured_rag"],
                        "moderated_rag": fields.get("moderated_rag"),
                        "self_score": fields["self_score"],
                        "assured_score": fields["assured_score"],
                        "standard": standard.id,
                        "title": standard.title,
                        "basis": fields.get("basis"),
                    },
                    {"standard", "title", *fields},
                )
            )
            overall.add_standard(standard.id, standard.weight, fields, moderated_score)
        overall_fields, _ = self._rollup(overall, self._overall_rollup)
        overall_caps = caps.get(None, ())
        if overall_caps and overall_fields["assured_rag"] is not None:
            cap = RAG.worst(list(overall_caps))
            overall_fields["assured_rag"] = _capped(overall_fields["assured_rag"], overall_caps)
            overall_fields["assured_score"] = capped_score(
                overall_fields["assured_score"], cap, self._overall_bands
            )
        agency = ret.agency
        overall_basis = overall_fields.pop("basis", None)
        return _trusted(
            Evaluation,
            {
                "schema_version": SCHEMA_VERSION,
                "fingerprint_version": FINGERPRINT_VERSION,
                "return_id": ret.id,
                "agency": _trusted(
                    AgencyRef,
                    {
                        "id": agency.id,
                        "name": agency.name,
                        "type": agency.type,
                        "sector": agency.sector,
                        "statutory": agency.statutory,
                    },
                    _ALL_SET,
                ),
                "framework": _trusted(
                    FrameworkRef,
                    {"id": ctx.framework.id, "version": ctx.framework.version},
                    _ALL_SET,
                ),
                "period_start": ret.period.start,
                "period_end": ret.period.end,
                "as_of": ctx.as_of,
                "deadline": ret.deadline,
                "submitted": ret.submitted,
                "sign_off_role": ret.sign_off.role if ret.sign_off is not None else None,
                "overall": _trusted(
                    Ratings,
                    {
                        "self_rag": overall_fields["self_rag"],
                        "assured_rag": overall_fields["assured_rag"],
                        "moderated_rag": overall_fields.get("moderated_rag"),
                        "self_score": overall_fields["self_score"],
                        "assured_score": overall_fields["assured_score"],
                    },
                    set(overall_fields),
                ),
                "overall_basis": overall_basis,
                "standards": tuple(standards),
                "criteria": tuple(criteria),
                "flags": tuple(flags),
                "agenda": _agenda(flags, weights, self.policy.agenda_size),
                "outcomes": tuple(applied),
            },
            _EVALUATION_SET,
        )

    def _rollup(
        self, parts: _Parts, strategy: RollupStrategy
    ) -> tuple[dict[str, Any], float | None]:
        """Self, assured and moderated roll-ups of ``parts`` (criteria or standards), and the
        moderated score (kept for the overall roll-up of the standards)."""
        fields: dict[str, Any] = {}
        fields["self_rag"], fields["self_score"] = self._combine(strategy, parts.self)
        fields["assured_rag"], fields["assured_score"] = self._combine(strategy, parts.assured)
        if self.policy.explain_scores:
            fields["basis"] = _basis(strategy, parts.assured)
        moderated_score = None
        if parts.any_moderated:
            fields["moderated_rag"], moderated_score = self._combine(strategy, parts.moderated)
        return fields, moderated_score

    def _combine(
        self, strategy: RollupStrategy, parts: Sequence[Part]
    ) -> tuple[RAG | None, float | None]:
        if not parts:
            return None, None
        if strategy.combine_parts is not None:
            rag, score = strategy.combine_parts(parts, self.policy)
        elif strategy.combine is worst_of:
            # the default standard roll-up, on integer ranks: the same RAG and points
            worst = RAG_BY_RANK[min(_RANK[p.rag] for p in parts)]
            return worst, round(POINTS[worst], SCORE_DIGITS)
        else:
            rag, score = strategy.combine([(p.rag, p.weight) for p in parts], self.policy)
        return rag, round(score, SCORE_DIGITS)


class _Parts:
    """A standard's criteria (or the overall's standards) as roll-up parts for the self,
    assured and moderated roll-ups. A criterion's self part is its RAG's points and its
    position; its assured part the capped RAG's points and its position lowered with the
    cap; its moderated part the moderated rating where recorded, else the assured one. A
    standard's parts are its scores. Parts without a rating are left out (N/A, unanswered).
    """

    __slots__ = ("any_moderated", "assured", "moderated", "self")

    def __init__(self) -> None:
        self.self: list[Part] = []
        self.assured: list[Part] = []
        self.moderated: list[Part] = []
        self.any_moderated = False

    def add_standard(
        self,
        standard_id: str,
        weight: float,
        fields: Mapping[str, Any],
        moderated_score: float | None,
    ) -> None:
        self_rag, self_score = fields["self_rag"], fields["self_score"]
        if self_rag is not None and self_score is not None:
            self.self.append(Part(standard_id, self_rag, weight, self_score, self_score))
        assured_rag, assured_score = fields["assured_rag"], fields["assured_score"]
        assured = None
        if assured_rag is not None and assured_score is not None:
            assured = Part(standard_id, assured_rag, weight, assured_score, assured_score)
            self.assured.append(assured)
        moderated_rag = fields.get("moderated_rag")
        if moderated_rag is not None:
            if moderated_score is not None:
                self.moderated.append(
                    Part(standard_id, moderated_rag, weight, moderated_score, moderated_score)
                )
            self.any_moderated = True
        elif assured is not None:
            self.moderated.append(assured)


_RANK: dict[RAG, int] = {rag: rag.rank for rag in RAG}
RAG_BY_RANK: dict[int, RAG] = {rag.rank: rag for rag in RAG}

_ALL_SET = None
"""For :func:`_trusted`: every field was given."""

_EVALUATION_SET = frozenset(Evaluation.model_fields) - {"schema_version", "fingerprint_version"}
"""The fields an evaluation has always been built with (its versions are defaults)."""

_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}

M = TypeVar("M", bound=BaseModel)


def _trusted(cls: type[M], values: dict[str, Any], fields_set: Iterable[str] | None) -> M:
    """A result model from values the engine made from models already validated (ids,
    RAGs, dates and numbers of the right types), without validating them again: building
    the results was a quarter of the engine's time. ``values`` holds every field in the
    model's field order (the JSON follows it; ``tests/test_engine_identity.py`` checks it
    against the validated models); ``fields_set`` names the fields given explicitly, as
    validation would record them (None: all)."""
    model = cls.__new__(cls)
    _set = object.__setattr__
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values if fields_set is None else fields_set))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _resolve(item: _Item, response: Response | None) -> tuple[CriterionView, float | None]:
    """The view of one criterion and where its self answer sits from 0 to 1."""
    if response is None:
        view = CriterionView(item.criterion, item.standard, None, item.scale, None, None, False)
        return view, None
    rating = response.rating
    known = None
    if rating is not None:
        folded = rating.casefold()
        if folded == NA:
            na = CriterionView(
                item.criterion, item.standard, response, item.scale, None, None, True
            )
            return na, None
        known = item.levels.get(folded)
        if known is not None and known.na:
            # the template's own N/A code (e.g. 0 on a 1-3 scale)
            na = CriterionView(
                item.criterion, item.standard, response, item.scale, None, None, True
            )
            return na, None
    level = known.level if known is not None else None
    self_rag = level.rag if level is not None else None
    value_rag = None
    numeric = item.numeric
    value = response.value
    if numeric is not None and value is not None:
        value_rag = numeric.rag(value)
        if self_rag is None:
            self_rag = value_rag
    view = CriterionView(
        item.criterion, item.standard, response, item.scale, level, self_rag, False, value_rag
    )
    return view, _position(item, known, self_rag, value)


def _self_rag(item: _Item, response: Response) -> RAG | None:
    """The self RAG alone, as :func:`_resolve` gives it (for the peer counts)."""
    rating = response.rating
    if rating is not None:
        folded = rating.casefold()
        if folded == NA:
            return None
        known = item.levels.get(folded)
        if known is not None:
            return None if known.na else known.level.rag
    if item.numeric is not None and response.value is not None:
        return item.numeric.rag(response.value)
    return None


def _position(
    item: _Item, known: _Level | None, self_rag: RAG | None, value: float | None
) -> float | None:
    """Where the self answer sits from 0 (worst) to 1 (best): the figure between the item's
    min and max, else the rating's place on its scale, else its RAG points."""
    if self_rag is None:
        return None
    if known is None and item.numeric is not None and value is not None:
        position = item.numeric.score(value)
        if position is not None:
            return position
    if known is not None:
        return known.position
    return POINTS[self_rag]


def _basis(strategy: RollupStrategy, parts: Sequence[Part]) -> tuple[BasisItem, ...]:
    """What a score was made of: each part with the value averaged and its weight."""
    by_position = (strategy.averages or "score") == "position"
    return tuple(
        _trusted(
            BasisItem,
            {
                "part": p.id,
                "rag": p.rag,
                "value": round(p.position if by_position else p.score, SCORE_DIGITS),
                "weight": p.weight,
            },
            _ALL_SET,
        )
        for p in parts
    )


def _capped(rag: RAG | None, caps: Iterable[RAG]) -> RAG | None:
    caps = list(caps)
    if not caps:
        return rag
    worst_cap = RAG.worst(caps)
    return worst_cap if rag is None else rag.at_most(worst_cap)


def _add_extra(ctx: ReturnContext, flags: list[Flag], extra: Sequence[Flag]) -> None:
    """Flags raised outside the rules (e.g. triangulation) join the return's own, once each."""
    known = {f.fingerprint for f in flags}
    for flag in extra:
        if flag.agency != ctx.ret.agency.id:
            raise ValueError(f"a flag for agency {flag.agency} given to {ctx.ret.id}")
        if flag.criterion is not None and flag.criterion not in ctx.framework.criteria:
            raise ValueError(f"a flag names criterion {flag.criterion!r}, not in the framework")
        if flag.fingerprint not in known:
            flags.append(flag)
            known.add(flag.fingerprint)


def _flag_order(order: Mapping[str, int]) -> Callable[[Flag], tuple[int, str, str]]:
    """Flags in framework order (whole-return flags first), then by rule and fingerprint."""
    return lambda f: (order.get(f.criterion or "", -1), f.rule, f.fingerprint)


FINGERPRINT_VERSION = "2"
"""Version 2: action findings are keyed by what the action says, not its position."""


def fingerprint(rule_id: str, ret: Return, criterion: str | None, key: str) -> str:
    """Stable id of a finding: rule, agency, framework, criterion and key.

    The period is left out on purpose: the same finding on next year's return has the same
    fingerprint, so a dismissal with an expiry date carries forward until it expires.
    """
    raw = "\x1f".join((rule_id, ret.agency.id, ret.framework, criterion or "", key))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class _FlagMaker:
    """Turns one rule's findings on one return into flags. The fingerprint's hash of rule,
    agency and framework is taken once and copied for each finding; findings of the plain
    types a rule is documented to give become flags without validating them again."""

    __slots__ = ("active", "criteria", "prefix", "ret", "standard_of")

    def __init__(
        self,
        active: _ActiveRule,
        ret: Return,
        criteria: Mapping[str, Criterion],
        standard_of: Mapping[str, Standard],
    ) -> None:
        self.active = active
        self.ret = ret
        self.criteria = criteria
        self.standard_of = standard_of
        self.prefix: Any = None

    def fingerprint(self, criterion: str | None, key: str) -> str:
        if type(key) is not str or (criterion is not None and type(criterion) is not str):
            return fingerprint(self.active.rule.id, self.ret, criterion, key)
        if self.prefix is None:
            ret = self.ret
            head = "\x1f".join((self.active.rule.id, ret.agency.id, ret.framework, ""))
            self.prefix = hashlib.sha256(head.encode())
        digest = self.prefix.copy()
        digest.update(f"{criterion or ''}\x1f{key}".encode())
        return str(digest.hexdigest()[:16])

    def __call__(self, finding: Finding) -> Flag:
        rule = self.active.rule
        if not isinstance(finding, Finding):
            raise TypeError(f"check() yielded a {type(finding).__name__}, not a Finding")
        cid = finding.criterion
        if cid is not None and cid not in self.criteria:
            raise ValueError(f"a finding names criterion {cid!r}, not in the framework")
        criterion = self.criteria.get(cid) if cid else None
        question = finding.question or rule.question
        if criterion is not None and criterion.challenge_questions:
            question = f"{question} Framework prompt: {criterion.challenge_questions[0]}"
        fields = {
            "fingerprint": self.fingerprint(cid, finding.key),
            "rule": rule.id,
            "severity": self.active.severity or finding.severity or rule.severity,
            "agency": self.ret.agency.id,
            "standard": self.standard_of[criterion.id].id if criterion is not None else None,
            "criterion": cid,
            "message": finding.message,
            "evidence": finding.evidence,
            "question": question,
            "caps": finding.caps,
        }
        if not _plain(fields):
            return Flag(**fields)
        return _trusted(Flag, {**fields, "status": "open", "reason": None}, _FLAG_SET)


_FLAG_SET = frozenset(Flag.model_fields) - {"status", "reason"}


def _plain(fields: Mapping[str, Any]) -> bool:
    """Whether a flag's fields are exactly the types its model holds (what validation would
    give back unchanged); anything else, e.g. a list of evidence or a severity as a string
    from a plugin's rule, is validated."""
    evidence = fields["evidence"]
    caps = fields["caps"]
    return (
        type(fields["message"]) is str
        and type(fields["question"]) is str
        and type(fields["rule"]) is str
        and type(fields["severity"]) is Severity
        and (caps is None or type(caps) is RAG)
        and (fields["criterion"] is None or type(fields["criterion"]) is str)
        and type(evidence) is tuple
        and all(type(item) is str for item in evidence)
    )


def _agenda(flags: Sequence[Flag], weights: Mapping[str, float], size: int) -> tuple[str, ...]:
    """Open and decided-but-not-dismissed flags, most severe and heaviest first."""
    position = {f.fingerprint: i for i, f in enumerate(flags)}
    heaviest = max(weights.values(), default=1.0)  # the weight of a flag on no criterion
    ranked = sorted(
        (f for f in flags if f.status != "dismissed"),
        key=lambda f: (
            -f.severity.rank,
            -weights.get(f.criterion or "", heaviest),
            position[f.fingerprint],
        ),
    )
    return tuple(f.fingerprint for f in ranked[:size])


JUDGED_WITHIN = dt.timedelta(days=365)
"""A challenge event judges the return whose period ended in the year before it."""


def _applicable_outcomes(outcomes: Outcomes | None, ret: Return, as_of: dt.date) -> list[Outcome]:
    """The outcomes that apply to this return, in the order decided (file order breaks ties),
    so that later decisions supersede earlier ones.

    An outcome applies to the return it judged: the agency's return whose period ended in
    the year before the decision. A flag outcome with an expiry date also carries forward
    to the agency's later returns while the date has not passed at their as-of date.
    """
    if outcomes is None:
        return []
    found = [o for o in outcomes.outcomes if o.agency == ret.agency.id and _applies(o, ret, as_of)]
    return sorted(found, key=lambda o: o.decided_on)


def _applies(outcome: Outcome, ret: Return, as_of: dt.date) -> bool:
    end = ret.period.end
    judged = end <= outcome.decided_on < end + JUDGED_WITHIN
    carried = (
        outcome.flag is not None
        and outcome.expires is not None
        and outcome.decided_on < end
        and as_of <= outcome.expires
    )
    return judged or carried


def _apply_flag_outcomes(flags: list[Flag], applied: list[Outcome]) -> list[Flag]:
    latest: dict[str, Outcome] = {}
    for outcome in applied:
        if outcome.flag is not None:
            latest[outcome.flag] = outcome
    if not latest:
        return flags
    return [
        f.model_copy(
            update={
                "status": latest[f.fingerprint].decision,
                "reason": latest[f.fingerprint].reason,
            }
        )
        if f.fingerprint in latest
        else f
        for f in flags
    ]


def _moderated_levels(ret: Return, applied: list[Outcome], flags: list[Flag]) -> dict[str, str]:
    """The moderated level per criterion: recorded in the return, superseded by outcomes
    (on the criterion, or on a flag about it), the latest decision last."""
    levels = {r.criterion: r.moderated for r in ret.responses if r.moderated is not None}
    criterion_of = {f.fingerprint: f.criterion for f in flags}
    for outcome in applied:
        criterion = outcome.criterion or criterion_of.get(outcome.flag or "")
        if criterion is not None and outcome.moderated is not None:
            levels[criterion] = outcome.moderated
    return levels
