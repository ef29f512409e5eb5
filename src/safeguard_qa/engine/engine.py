"""The engine: self, assured and moderated ratings, roll-ups and challenge flags for returns.

Build an :class:`Engine` once (it resolves rules, their parameters and roll-ups from the
registry and the policy), then evaluate any number of returns with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safeguard_qa.engine.rollup import POINTS, Part, RollupStrategy, capped_score
from safeguard_qa.errors import (
    OutcomesError,
    PolicyError,
    Problem,
    ReturnError,
    RuleError,
    raise_if_errors,
)
from safeguard_qa.models.framework import Criterion, Framework, Standard
from safeguard_qa.models.outcomes import Outcome, Outcomes
from safeguard_qa.models.policy import SCORE_DIGITS, Policy, Severity
from safeguard_qa.models.results import (
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


_Plan = tuple[tuple[Criterion, Standard, Scale | None], ...]


MAX_FINDINGS_PER_RULE = 1000
"""More findings than this from one rule on one return stop the run with a RuleError: a
return has at most a few hundred criteria, actions and evidence items."""


class Engine:
    """Evaluates returns under one policy with the rules and roll-ups of one registry."""

    def __init__(
        self, registry: Registry, policy: Policy | None = None, *, policy_file: str = "policy"
    ) -> None:
        self.registry = registry
        self.policy = policy = policy or Policy()
        problems = check_policy(policy, registry, policy_file)
        if problems:
            raise PolicyError(problems)
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
            raise PolicyError(
                [Problem(policy_file, "rules", "no rule is enabled: nothing would be checked")]
            )
        self._standard_rollup = registry.rollups[policy.rollup.standard]
        overall = registry.rollups[policy.rollup.overall]
        self._overall_rollup = overall
        self._overall_bands = overall.bands(policy) if overall.bands is not None else None
        self._plans: dict[tuple[str, str, str, str | None], _Plan] = {}

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
            plan = tuple(
                (criterion, standard, self.registry.scale_for(framework, criterion))
                for standard in framework.standards
                for criterion in standard.criteria
                if criterion.applies(ret.agency.type, ret.agency.sector)
            )
            self._plans[key] = plan
        return plan

    def views(self, ret: Return, framework: Framework | None = None) -> tuple[CriterionView, ...]:
        """Each applicable criterion with its response and resolved self rating."""
        framework = framework or self.framework_for(ret)
        responses = ret.by_criterion
        left_out = ret.standards_na
        return tuple(
            _view(criterion, standard, scale, responses.get(criterion.id))
            for criterion, standard, scale in self._plan(framework, ret)
            if standard.id not in left_out
        )

    def peer_stats(self, returns: Iterable[Return]) -> PeerStats:
        """Counts of self scores per criterion across ``returns``, for rules that compare
        peers. Takes any iterable, so returns can be streamed past it one at a time."""
        counts: dict[Any, dict[float, int]] = defaultdict(lambda: defaultdict(int))
        for ret in returns:
            self.add_peer(counts, ret)
        return PeerStats({key: dict(value) for key, value in counts.items()})

    def add_peer(self, counts: dict[Any, dict[float, int]], ret: Return) -> None:
        """Count one return's self ratings into ``counts`` (only the ratings: this runs over
        every return before any is evaluated)."""
        responses = ret.by_criterion
        group = (ret.agency.type, ret.agency.sector or "")
        for criterion, standard, scale in self._plan(self.framework_for(ret), ret):
            response = responses.get(criterion.id)
            if response is not None and standard.id not in ret.standards_na:
                self_rag = _self_rating(criterion, scale, response)[1]
                if self_rag is not None:
                    counts[(ret.framework, criterion.id, *group)][POINTS[self_rag]] += 1

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
        framework = self.framework_for(ret)
        items = self.views(ret, framework)
        previous_items = None
        if previous is not None and previous.framework == ret.framework:
            previous_items = {v.criterion.id: v for v in self.views(previous)}
        ctx = ReturnContext(
            ret=ret,
            framework=framework,
            policy=self.policy,
            as_of=self.as_of(ret),
            items=items,
            previous=previous,
            previous_items=previous_items,
            peers=peers,
        )
        flags = self._flags(ctx)
        if extra_flags:
            flags = self._with_extra(ctx, flags, extra_flags)
        applied = _applicable_outcomes(outcomes, ret, ctx.as_of)
        flags = _apply_flag_outcomes(flags, applied)
        return self._assemble(ctx, flags, applied)

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
        peers = self.peer_stats(returns) if self.needs_peers else None
        previous = previous or {}
        extra = extra_flags or {}
        return [
            self.evaluate(
                ret,
                previous=previous.get(ret.agency.id),
                peers=peers,
                outcomes=outcomes,
                validate=validate,
                extra_flags=extra.get(ret.agency.id, ()),
            )
            for ret in returns
        ]

    def as_of(self, ret: Return) -> dt.date:
        """The policy's as-of date, else the return's submitted date, deadline or period end."""
        return self.policy.as_of or ret.submitted or ret.deadline or ret.period.end

    def _flags(self, ctx: ReturnContext) -> list[Flag]:
        ret = ctx.ret
        weights = {v.criterion.id: v.criterion.weight for v in ctx.items}
        criteria = ctx.framework.criteria
        standard_of = ctx.framework.standard_of
        flags: list[Flag] = []
        for active in self._rules:
            try:
                for found, finding in enumerate(active.rule.check(ctx, active.params), 1):
                    if found > MAX_FINDINGS_PER_RULE:
                        raise RuleError(
                            f"rule {active.rule.id} (plugin {active.plugin}) gave more than "
                            f"{MAX_FINDINGS_PER_RULE} findings on return {ret.id}; a rule "
                            "that runs away is stopped rather than flooding the agenda"
                        )
                    flags.append(_flag(active, ret, finding, criteria, standard_of))
            except RuleError:
                raise
            except Exception as exc:
                raise RuleError(
                    f"rule {active.rule.id} (plugin {active.plugin}) failed on return "
                    f"{ret.id}: {type(exc).__name__}: {exc}"
                ) from exc
        order = {cid: i for i, cid in enumerate(weights)}
        flags.sort(key=lambda f: (order.get(f.criterion or "", -1), f.rule, f.fingerprint))
        return flags

    def _with_extra(
        self, ctx: ReturnContext, flags: list[Flag], extra: Sequence[Flag]
    ) -> list[Flag]:
        known = {f.fingerprint for f in flags}
        for flag in extra:
            if flag.agency != ctx.ret.agency.id:
                raise ValueError(f"a flag for agency {flag.agency} given to {ctx.ret.id}")
            if flag.criterion is not None and flag.criterion not in ctx.framework.criteria:
                raise ValueError(f"a flag names criterion {flag.criterion!r}, not in the framework")
            if flag.fingerprint not in known:
                flags.append(flag)
                known.add(flag.fingerprint)
        order = {v.criterion.id: i for i, v in enumerate(ctx.items)}
        flags.sort(key=lambda f: (order.get(f.criterion or "", -1), f.rule, f.fingerprint))
        return flags

    def _assemble(
        self, ctx: ReturnContext, flags: list[Flag], applied: list[Outcome]
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
        by_standard: dict[str, list[_Row]] = defaultdict(list)
        for view in ctx.items:
            cid = view.criterion.id
            assured = _capped(view.self_rag, caps.get(cid, ()))
            mod_level = moderated.get(cid)
            mod_rag = None
            mod_position = None
            if mod_level is not None and view.scale is not None:
                level = view.scale.level(mod_level)
                if level is not None:
                    mod_position = view.scale.score(level)
                if level is None:
                    raise OutcomesError.single(
                        "outcomes",
                        f"agency {ret.agency.id} › criterion {cid} › moderated",
                        f"{mod_level!r} is not on the {view.scale.id} scale; expected one of "
                        f"{', '.join(view.scale.level_ids())}",
                    )
                mod_rag = level.rag
            result = CriterionResult(
                criterion=cid,
                standard=view.standard.id,
                answer_type=view.criterion.answer.type,
                weight=view.criterion.weight,
                self_level=view.level.id if view.level is not None else None,
                self_rag=view.self_rag,
                self_score=POINTS[view.self_rag] if view.self_rag is not None else None,
                assured_rag=assured,
                assured_score=POINTS[assured] if assured is not None else None,
                moderated_level=mod_level,
                moderated_rag=mod_rag,
                value=view.response.value if view.response is not None else None,
                not_applicable=view.not_applicable,
                answered=view.answered,
                flags=tuple(flag_ids.get(cid, ())),
            )
            criteria.append(result)
            position = _position(view)
            by_standard[view.standard.id].append(
                _criterion_row(
                    view,
                    position,
                    assured,
                    self._capped_position(position, view.self_rag, assured),
                    mod_rag,
                    mod_position,
                )
            )
        standards: list[StandardResult] = []
        overall_rows: list[_Row] = []
        for standard in ctx.framework.standards:
            rows = by_standard.get(standard.id)
            if not rows:
                continue
            fields, moderated_score = self._rollup(rows, self._standard_rollup)
            standards.append(StandardResult(standard=standard.id, title=standard.title, **fields))
            overall_rows.append(
                _standard_row(standard.id, standard.weight, fields, moderated_score)
            )
        overall_fields, _ = self._rollup(overall_rows, self._overall_rollup)
        overall_caps = caps.get(None, ())
        if overall_caps and overall_fields["assured_rag"] is not None:
            cap = RAG.worst(list(overall_caps))
            overall_fields["assured_rag"] = _capped(overall_fields["assured_rag"], overall_caps)
            overall_fields["assured_score"] = capped_score(
                overall_fields["assured_score"], cap, self._overall_bands
            )
        weights = {c.criterion: c.weight for c in criteria}
        return Evaluation(
            return_id=ret.id,
            agency=AgencyRef(
                id=ret.agency.id,
                name=ret.agency.name,
                type=ret.agency.type,
                sector=ret.agency.sector,
                statutory=ret.agency.statutory,
            ),
            framework=FrameworkRef(id=ctx.framework.id, version=ctx.framework.version),
            period_start=ret.period.start,
            period_end=ret.period.end,
            as_of=ctx.as_of,
            deadline=ret.deadline,
            submitted=ret.submitted,
            sign_off_role=ret.sign_off.role if ret.sign_off is not None else None,
            overall=Ratings(**{k: v for k, v in overall_fields.items() if k != "basis"}),
            overall_basis=overall_fields.get("basis"),
            standards=tuple(standards),
            criteria=tuple(criteria),
            flags=tuple(flags),
            agenda=_agenda(flags, weights, self.policy.agenda_size),
            outcomes=tuple(applied),
        )

    def _rollup(
        self, rows: Sequence[_Row], strategy: RollupStrategy
    ) -> tuple[dict[str, Any], float | None]:
        """Self, assured and moderated roll-ups of ``rows`` (criteria or standards), and the
        moderated score (kept for the overall roll-up of the standards)."""
        fields: dict[str, Any] = {}
        explain = self.policy.explain_scores
        self_parts = _parts(rows, "self")
        assured_parts = _parts(rows, "assured")
        fields["self_rag"], fields["self_score"] = self._combine(strategy, self_parts)
        fields["assured_rag"], fields["assured_score"] = self._combine(strategy, assured_parts)
        if explain:
            fields["basis"] = _basis(strategy, assured_parts)
        moderated_score = None
        if any(r.moderated_rag is not None for r in rows):
            settled = _parts(rows, "moderated")
            fields["moderated_rag"], moderated_score = self._combine(strategy, settled)
        return fields, moderated_score

    def _combine(
        self, strategy: RollupStrategy, parts: Sequence[Part]
    ) -> tuple[RAG | None, float | None]:
        if not parts:
            return None, None
        if strategy.combine_parts is not None:
            rag, score = strategy.combine_parts(parts, self.policy)
        else:
            rag, score = strategy.combine([(p.rag, p.weight) for p in parts], self.policy)
        return rag, round(score, SCORE_DIGITS)

    def _capped_position(
        self, position: float | None, self_rag: RAG | None, assured: RAG | None
    ) -> float | None:
        """A capped criterion's position is lowered with its RAG (to the top of the capped
        band), so a roll-up of positions cannot ignore a cap."""
        if position is None or assured is None or self_rag is None or assured == self_rag:
            return position
        return capped_score(position, assured, self.policy.mean_bands)


@dataclass(frozen=True, slots=True)
class _Row:
    """A criterion or a standard as a roll-up sees it: for self, assured and moderated, the
    RAG, the score (RAG points of a criterion; a standard's own score) and the position
    (where the answer sits from 0 to 1; a standard's score)."""

    id: str
    weight: float
    self_rag: RAG | None
    self_score: float | None
    self_position: float | None
    assured_rag: RAG | None
    assured_score: float | None
    assured_position: float | None
    moderated_rag: RAG | None
    moderated_score: float | None
    moderated_position: float | None


def _criterion_row(
    view: CriterionView,
    position: float | None,
    assured: RAG | None,
    assured_position: float | None,
    moderated: RAG | None,
    moderated_position: float | None,
) -> _Row:
    def points(rag: RAG | None) -> float | None:
        return POINTS[rag] if rag is not None else None

    return _Row(
        view.criterion.id,
        view.criterion.weight,
        view.self_rag,
        points(view.self_rag),
        position,
        assured,
        points(assured),
        assured_position if assured_position is not None else points(assured),
        moderated,
        points(moderated),
        moderated_position if moderated_position is not None else points(moderated),
    )


def _standard_row(
    standard_id: str, weight: float, fields: Mapping[str, Any], moderated_score: float | None
) -> _Row:
    return _Row(
        standard_id,
        weight,
        fields["self_rag"],
        fields["self_score"],
        fields["self_score"],
        fields["assured_rag"],
        fields["assured_score"],
        fields["assured_score"],
        fields.get("moderated_rag"),
        moderated_score,
        moderated_score,
    )


def _parts(rows: Sequence[_Row], which: str) -> list[Part]:
    """The rows as roll-up parts for self, assured or moderated (the moderated rating where
    recorded, else the assured one); rows without a rating are left out (N/A, unanswered)."""
    parts = []
    for r in rows:
        if which == "moderated" and r.moderated_rag is not None:
            rag: RAG | None = r.moderated_rag
            score, position = r.moderated_score, r.moderated_position
        elif which == "self":
            rag, score, position = r.self_rag, r.self_score, r.self_position
        else:
            rag, score, position = r.assured_rag, r.assured_score, r.assured_position
        if rag is not None and score is not None and position is not None:
            parts.append(Part(r.id, rag, r.weight, score, position))
    return parts


def _position(view: CriterionView) -> float | None:
    """Where the self answer sits from 0 (worst) to 1 (best): the figure between the item's
    min and max, else the rating's place on its scale, else its RAG points."""
    if view.self_rag is None:
        return None
    answer = view.criterion.answer
    rated_by_figure = view.level is None and answer.type == "numeric"
    if rated_by_figure and view.response is not None and view.response.value is not None:
        position = answer.score(view.response.value)  # type: ignore[union-attr]
        if position is not None:
            return position
    if view.level is not None and view.scale is not None:
        return view.scale.score(view.level)
    return POINTS[view.self_rag]


def _basis(strategy: RollupStrategy, parts: Sequence[Part]) -> tuple[BasisItem, ...]:
    """What a score was made of: each part with the value averaged and its weight."""
    by = strategy.averages or "score"
    return tuple(
        BasisItem(
            part=p.id,
            rag=p.rag,
            value=round(p.position if by == "position" else p.score, SCORE_DIGITS),
            weight=p.weight,
        )
        for p in parts
    )


def _view(
    criterion: Criterion, standard: Standard, scale: Scale | None, response: Response | None
) -> CriterionView:
    if response is None:
        return CriterionView(criterion, standard, None, scale, None, None, False)
    level, self_rag, value_rag, na = _self_rating(criterion, scale, response)
    return CriterionView(criterion, standard, response, scale, level, self_rag, na, value_rag)


def _self_rating(
    criterion: Criterion, scale: Scale | None, response: Response
) -> tuple[Level | None, RAG | None, RAG | None, bool]:
    """The level answered, the self RAG, the RAG of the figure (indicators) and whether
    the answer is N/A. A numeric indicator with no rating is rated by its figure."""
    rating = response.rating
    if rating is not None and rating.casefold() == NA:
        return None, None, None, True
    level = scale.level(rating) if (scale is not None and rating is not None) else None
    if level is not None and scale is not None and scale.is_na(level):
        return None, None, None, True  # the template's own N/A code (e.g. 0 on a 1-3 scale)
    self_rag = level.rag if level is not None else None
    value_rag = None
    answer = criterion.answer
    if answer.type == "numeric" and response.value is not None:
        value_rag = answer.rag(response.value)
        if self_rag is None:
            self_rag = value_rag
    return level, self_rag, value_rag, False


def _capped(rag: RAG | None, caps: Iterable[RAG]) -> RAG | None:
    caps = list(caps)
    if not caps:
        return rag
    worst_cap = RAG.worst(caps)
    return worst_cap if rag is None else rag.at_most(worst_cap)


FINGERPRINT_VERSION = "2"
"""Version 2: action findings are keyed by what the action says, not its position."""


def fingerprint(rule_id: str, ret: Return, criterion: str | None, key: str) -> str:
    """Stable id of a finding: rule, agency, framework, criterion and key.

    The period is left out on purpose: the same finding on next year's return has the same
    fingerprint, so a dismissal with an expiry date carries forward until it expires.
    """
    raw = "\x1f".join((rule_id, ret.agency.id, ret.framework, criterion or "", key))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _flag(
    active: _ActiveRule,
    ret: Return,
    finding: Finding,
    criteria: Mapping[str, Criterion],
    standard_of: Mapping[str, Standard],
) -> Flag:
    rule = active.rule
    if not isinstance(finding, Finding):
        raise TypeError(f"check() yielded a {type(finding).__name__}, not a Finding")
    if finding.criterion is not None and finding.criterion not in criteria:
        raise ValueError(f"a finding names criterion {finding.criterion!r}, not in the framework")
    criterion = criteria.get(finding.criterion) if finding.criterion else None
    question = finding.question or rule.question
    if criterion is not None and criterion.challenge_questions:
        question = f"{question} Framework prompt: {criterion.challenge_questions[0]}"
    return Flag(
        fingerprint=fingerprint(rule.id, ret, finding.criterion, finding.key),
        rule=rule.id,
        severity=active.severity or finding.severity or rule.severity,
        agency=ret.agency.id,
        standard=standard_of[criterion.id].id if criterion is not None else None,
        criterion=finding.criterion,
        message=finding.message,
        evidence=finding.evidence,
        question=question,
        caps=finding.caps,
    )


def _agenda(flags: Sequence[Flag], weights: Mapping[str, float], size: int) -> tuple[str, ...]:
    """Open and decided-but-not-dismissed flags, most severe and heaviest first."""
    position = {f.fingerprint: i for i, f in enumerate(flags)}
    ranked = sorted(
        (f for f in flags if f.status != "dismissed"),
        key=lambda f: (
            -f.severity.rank,
            -weights.get(f.criterion or "", max(weights.values(), default=1.0)),
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
