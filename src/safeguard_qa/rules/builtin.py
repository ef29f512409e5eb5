"""The built-in challenge rules. Each says which claim the evidence does not support and
what the panel should ask. They are registered by ``default_plugins.rules`` exactly as a
third party's rules would be."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safeguard_qa.engine.rollup import POINTS
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.returns import Action, EvidenceItem
from safeguard_qa.models.scale import RAG, Scale
from safeguard_qa.rules.base import CriterionView, Finding, NoParams, ReturnContext, Rule
from safeguard_qa.validation import unmet_requirement


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _open(action: Action) -> bool:
    return action.status != "complete"


def _label(view: CriterionView) -> str:
    if view.level is not None:
        return view.level.label
    return view.self_rag.value if view.self_rag is not None else "no rating"


# --- evidence ------------------------------------------------------------------------


class EvidenceParams(_Params):
    placeholders: tuple[str, ...] = Field(
        default=(
            "see policy",
            "see attached",
            "n/a",
            "na",
            "tbc",
            "tbd",
            "to follow",
            "various",
            "yes",
            "available on request",
            "none",
            "-",
            ".",
        ),
        description="Evidence texts (compared case-insensitively) that are not evidence.",
    )
    bare_file_names: bool = Field(
        default=True, description="Treat evidence that is only a file name as a placeholder."
    )

    @field_validator("placeholders")
    @classmethod
    def _compared_as_evidence_is(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # evidence is compared casefolded, trimmed and without a final full stop: so are these
        return tuple(_placeholder_key(text) for text in value)


def _placeholder_key(text: str) -> str:
    return text.strip().casefold().rstrip(".")


_FILE_NAME = re.compile(
    r"^[\w\-. ]{1,80}\.(docx?|pdf|xlsx?|pptx?|txt|msg|eml|odt|png|jpe?g)$", re.I
)


def is_placeholder(item: EvidenceItem, params: EvidenceParams) -> bool:
    text = _placeholder_key(item.description)
    if not text or text in params.placeholders:
        return True
    return params.bare_file_names and bool(_FILE_NAME.match(item.description.strip()))


class EvidenceMissing(Rule):
    id = "evidence-missing"
    title = "Met or green with no real evidence"
    severity = Severity.HIGH
    question = "What evidence shows this is met in practice, and when was it last tested?"
    Params: ClassVar[type[BaseModel]] = EvidenceParams

    def check(self, ctx: ReturnContext, params: EvidenceParams) -> Iterator[Finding]:
        for view in ctx.items:
            if not view.claims_met or view.response is None:
                continue
            evidence = view.response.evidence
            if not evidence:
                yield Finding(
                    f"rated {_label(view)} with no evidence",
                    view.criterion.id,
                    caps=RAG.AMBER,
                )
            elif all(is_placeholder(item, params) for item in evidence):
                yield Finding(
                    f"rated {_label(view)} with placeholder evidence only",
                    view.criterion.id,
                    evidence=tuple(item.description for item in evidence),
                    caps=RAG.AMBER,
                )


class StaleParams(_Params):
    max_age_days: int = Field(default=730, ge=1, description="Oldest acceptable evidence.")


class EvidenceStale(Rule):
    id = "evidence-stale"
    title = "Evidence older than the policy allows"
    severity = Severity.MEDIUM
    question = "Has this been reviewed since, and is there more recent evidence?"
    Params: ClassVar[type[BaseModel]] = StaleParams

    def check(self, ctx: ReturnContext, params: StaleParams) -> Iterator[Finding]:
        cutoff = ctx.as_of - timedelta(days=params.max_age_days)
        for view in ctx.items:
            if view.response is None or not view.response.evidence:
                continue
            dated = [(item, item.date) for item in view.response.evidence if item.date is not None]
            newest = max((day for _, day in dated), default=None)
            if newest is not None and newest < cutoff:
                yield Finding(
                    f"the newest evidence is dated {newest}, older than {params.max_age_days} "
                    f"days at {ctx.as_of}",
                    view.criterion.id,
                    evidence=tuple(f"{item.description} ({day})" for item, day in dated),
                    caps=RAG.AMBER if view.claims_met else None,
                )


# --- actions -------------------------------------------------------------------------


def action_keys(actions: Sequence[Action]) -> list[str]:
    """A key per action from what it says, not where it sits: inserting or reordering
    actions must not move a stored dismissal onto another action. Identical descriptions
    are told apart by their order among themselves, which reordering cannot change."""
    seen: dict[str, int] = {}
    keys = []
    for action in actions:
        text = " ".join(action.description.casefold().split())
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        keys.append(f"action:{digest}" + (f":{seen[digest]}" if seen[digest] > 1 else ""))
    return keys


class ActionOverdue(Rule):
    id = "action-overdue"
    title = "An action is past its due date and not complete"
    severity = Severity.MEDIUM
    question = "Why is this action late, what is the revised date, and who is accountable?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            if view.response is None:
                continue
            actions = view.response.actions
            for number, action in enumerate(actions, 1):
                if _open(action) and action.due is not None and action.due < ctx.as_of:
                    days = (ctx.as_of - action.due).days
                    yield Finding(
                        f"action {number} was due on {action.due} ({days} days ago) and is "
                        f"{action.status.replace('_', ' ')}",
                        view.criterion.id,
                        evidence=(action.description,),
                        key=action_keys(actions)[number - 1],
                        severity=Severity.HIGH if days > 180 else None,
                    )


class ActionIncomplete(Rule):
    id = "action-incomplete"
    title = "An open action has no owner or no due date"
    severity = Severity.LOW
    question = "Who owns this action and by when will it be done?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            if view.response is None:
                continue
            actions = view.response.actions
            for number, action in enumerate(actions, 1):
                missing = [
                    name
                    for name, absent in (
                        ("owner", not action.owner.strip()),
                        ("due date", action.due is None),
                    )
                    if absent
                ]
                if missing and _open(action):
                    yield Finding(
                        f"action {number} has no {' and no '.join(missing)}",
                        view.criterion.id,
                        evidence=(action.description,),
                        key=action_keys(actions)[number - 1],
                    )


class GapWithoutAction(Rule):
    id = "gap-without-action"
    title = "Red or amber with no open action"
    severity = Severity.MEDIUM
    question = "What will the agency do to close this gap, by when, and who owns it?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            if view.self_rag not in (RAG.RED, RAG.AMBER) or view.response is None:
                continue
            if not any(_open(a) for a in view.response.actions):
                yield Finding(
                    f"rated {_label(view)} with no open action to close the gap",
                    view.criterion.id,
                    severity=Severity.HIGH if view.self_rag is RAG.RED else None,
                )


class GreenWithOpenActions(Rule):
    id = "green-with-open-actions"
    title = "Met or green while actions are still open"
    severity = Severity.LOW
    question = "If work is still outstanding, is this fully met yet?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            if not view.claims_met or view.response is None:
                continue
            open_actions = [a for a in view.response.actions if _open(a)]
            if open_actions:
                yield Finding(
                    f"rated {_label(view)} with {len(open_actions)} open action(s)",
                    view.criterion.id,
                    evidence=tuple(a.description for a in open_actions),
                )


# --- completeness --------------------------------------------------------------------


class ResponseMissing(Rule):
    id = "response-missing"
    title = "A mandatory criterion is not answered"
    severity = Severity.HIGH
    question = "Why was this not answered, and what is the position?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            if view.criterion.mandatory and not view.answered:
                yield Finding(
                    "no response" if view.response is None else "a response with no rating",
                    view.criterion.id,
                    caps=RAG.RED,
                )


class NotApplicableStatutory(Rule):
    id = "na-statutory"
    title = "N/A on a statutory item from an agency with the statutory duty"
    severity = Severity.HIGH
    question = "This reflects a statutory duty: why does the agency consider it not applicable?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        if not ctx.ret.agency.statutory:
            return  # an agency without the statutory duty may answer N/A where its scale lets it
        for view in ctx.items:
            if view.not_applicable and view.criterion.statutory:
                commentary = view.response.commentary if view.response is not None else ""
                yield Finding(
                    "answered N/A on a statutory item",
                    view.criterion.id,
                    evidence=(commentary,) if commentary else (),
                    caps=RAG.RED,
                )


class NotApplicableWithoutReason(Rule):
    id = "na-without-reason"
    title = "N/A without the reason the framework asks for"
    severity = Severity.MEDIUM
    question = "Why does this not apply to the agency, and who decided so?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        if not ctx.framework.na_requires_reason:
            return
        for view in ctx.items:
            if view.not_applicable and (
                view.response is None or not view.response.commentary.strip()
            ):
                yield Finding("answered N/A without a reason", view.criterion.id)
        for item in ctx.ret.not_applicable:
            if not item.reason.strip():
                yield Finding(
                    f"standard {item.standard} marked not applicable without a reason",
                    key=f"standard:{item.standard}",
                )


class RequirementMissing(Rule):
    id = "requirement-missing"
    title = "A low rating without the explanation or action the framework requires"
    severity = Severity.HIGH
    question = "What is the explanation, and what will be done, by whom and by when?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        required = ctx.framework.required_at_or_below
        for view in ctx.items:
            response, scale = view.response, view.scale
            if response is None or scale is None or response.rating is None:
                continue
            requirement = view.criterion.required_at_or_below or required
            if requirement is None or _above(scale, response.rating, requirement.level):
                continue
            missing = unmet_requirement(ctx.framework, view.criterion, scale, response)
            if missing:
                yield Finding("; ".join(missing), view.criterion.id)


_RANKS: dict[int, tuple[Scale, dict[str, int]]] = {}


def _above(scale: Scale, rating: str, threshold: str) -> bool:
    """Whether ``rating`` is ranked above ``threshold`` on ``scale`` (both ranked levels):
    then no requirement applies. Ranks are looked up by id, once per scale, rather than
    by comparing levels; anything else is left to :func:`unmet_requirement`."""
    known = _RANKS.get(id(scale))
    if known is None or known[0] is not scale:
        if len(_RANKS) > 256:
            _RANKS.clear()  # scales of registries no longer used
        ranks = {level.id.casefold(): rank for rank, level in enumerate(scale.ordered)}
        known = _RANKS[id(scale)] = (scale, ranks)
    ranks = known[1]
    own, limit = ranks.get(rating.casefold()), ranks.get(threshold.casefold())
    return own is not None and limit is not None and own > limit


# --- sign-off and timeliness ---------------------------------------------------------


class SignOffMissing(Rule):
    id = "signoff-missing"
    title = "The return is not signed off"
    severity = Severity.HIGH
    question = "Which senior leader has approved this self-assessment?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        if ctx.ret.sign_off is None:
            yield Finding("the return has no sign-off by a senior representative", caps=RAG.AMBER)


class SignOffRoleParams(_Params):
    accepted_roles: tuple[str, ...] = Field(
        default=(
            "chief executive",
            "chief officer",
            "chief nurse",
            "director of nursing",
            "executive lead for safeguarding",
            "director",
            "board",
            "chair",
            "headteacher",
            "head teacher",
            "principal",
            "governor",
            "chief constable",
            "superintendent",
            "executive",
            "senior",
            "safeguarding lead",
            "designated",
        ),
        description="Words or phrases, any of which in the signer's role makes it acceptable.",
    )


class SignOffRole(Rule):
    id = "signoff-role"
    title = "Signed off by a role the policy does not accept"
    severity = Severity.MEDIUM
    question = "Has a board-level or senior leader seen and approved this return?"
    Params: ClassVar[type[BaseModel]] = SignOffRoleParams

    def check(self, ctx: ReturnContext, params: SignOffRoleParams) -> Iterator[Finding]:
        sign_off = ctx.ret.sign_off
        if sign_off is None:
            return
        role = sign_off.role.casefold()
        if not any(accepted.casefold() in role for accepted in params.accepted_roles):
            yield Finding(
                f"signed off by the {sign_off.role}, not a role the policy accepts",
                evidence=(sign_off.role,),
            )


class SubmissionLate(Rule):
    id = "submission-late"
    title = "The return came in after the deadline"
    severity = Severity.MEDIUM
    question = "What prevented a return by the deadline, and is it escalated to the chair?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        ret = ctx.ret
        if ret.deadline is None:
            return
        if ret.submitted is not None and ret.submitted > ret.deadline:
            days = (ret.submitted - ret.deadline).days
            yield Finding(
                f"submitted on {ret.submitted}, {days} days after the deadline of {ret.deadline}",
                severity=Severity.HIGH if days > 28 else None,
            )
        elif ret.submitted is None and ctx.as_of >= ret.deadline:
            # Without a policy as_of an unsubmitted return is judged at its deadline (the
            # engine's default): no submission date by then is worth the panel's question.
            late = ctx.as_of > ret.deadline
            yield Finding(
                f"no submission date recorded; the deadline was {ret.deadline}",
                severity=Severity.HIGH if late else None,
            )


# --- change since the previous return ------------------------------------------------


class MoveParams(_Params):
    levels: int = Field(default=2, ge=1, description="Levels of movement that draw a flag.")


class RatingMoved(Rule):
    id = "rating-moved"
    title = "The rating moved sharply since the previous return"
    severity = Severity.MEDIUM
    question = "What changed to move this rating so far since last year?"
    Params: ClassVar[type[BaseModel]] = MoveParams

    def check(self, ctx: ReturnContext, params: MoveParams) -> Iterator[Finding]:
        if ctx.previous_items is None:
            return
        for view in ctx.items:
            before = ctx.previous_items.get(view.criterion.id)
            if before is None or before.level is None or view.level is None or view.scale is None:
                continue
            if before.scale is None or before.scale.id != view.scale.id:
                continue
            moved = view.scale.rank(view.level) - view.scale.rank(before.level)
            if abs(moved) >= params.levels:
                direction = "up" if moved > 0 else "down"
                yield Finding(
                    f"moved {direction} {abs(moved)} levels, from {before.level.label} to "
                    f"{view.level.label}",
                    view.criterion.id,
                    evidence=(f"previous: {before.level.label}", f"now: {view.level.label}"),
                    caps=RAG.AMBER if moved > 0 and view.claims_met else None,
                )


class CarriedForward(Rule):
    id = "carried-forward"
    title = "The answer is carried forward unchanged from the previous return"
    severity = Severity.LOW
    question = "Has this been re-tested this year, or only copied forward?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        if ctx.previous_items is None:
            return
        for view in ctx.items:
            before = ctx.previous_items.get(view.criterion.id)
            now = view.response
            if before is None or before.response is None or now is None or not view.answered:
                continue
            if view.not_applicable:
                continue  # an unchanged N/A is not a claim to re-test (na-statutory covers it)
            old = before.response
            if (
                now.rating == old.rating
                and now.value == old.value
                and now.commentary.strip() == old.commentary.strip()
                and now.evidence == old.evidence
                and (now.commentary.strip() or now.evidence)
            ):
                yield Finding(
                    "rating, commentary and evidence are identical to the previous return",
                    view.criterion.id,
                )


# --- peers and indicators ------------------------------------------------------------


class PeerParams(_Params):
    min_peers: int = Field(default=3, ge=1, description="Fewest other agencies to compare with.")
    peers: Literal["sector", "type", "all"] = Field(
        default="sector",
        description="Who an agency is compared with: agencies of its sector (of its type "
        "when it gives no sector), of its type, or every agency on the framework.",
    )
    gap: float = Field(
        default=0.6, gt=0, le=1, description="Distance from the peer median in RAG points (0-1)."
    )


class PeerOutlier(Rule):
    id = "peer-outlier"
    title = "The self rating is out of line with peer agencies"
    severity = Severity.MEDIUM
    question = "Other agencies rate this lower: what does this agency do that they do not?"
    Params: ClassVar[type[BaseModel]] = PeerParams
    needs_peers = True

    def check(self, ctx: ReturnContext, params: PeerParams) -> Iterator[Finding]:
        if ctx.peers is None:
            return
        group = _peer_group(ctx, params)
        for view in ctx.items:
            if view.self_rag is None:
                continue
            own = POINTS[view.self_rag]
            count, median = ctx.peers.others(ctx.ret.framework, view.criterion.id, own, **group)
            if median is None or count < params.min_peers:
                continue
            gap = own - median
            if abs(gap) + 1e-9 >= params.gap:
                above = gap > 0
                yield Finding(
                    f"rated {view.self_rag.value} while the median of {count} peer "
                    f"agencies is {_points_label(median)}",
                    view.criterion.id,
                    severity=None if above else Severity.LOW,
                    question=None
                    if above
                    else "Other agencies rate this higher: is there learning to share?",
                )


def _peer_group(ctx: ReturnContext, params: PeerParams) -> dict[str, str | None]:
    """Like with like: a police force is compared with police forces, not a youth charity."""
    agency = ctx.ret.agency
    if params.peers == "all":
        return {}
    if params.peers == "sector" and agency.sector:
        return {"sector": agency.sector}
    return {"agency_type": agency.type}


def _points_label(points: float) -> str:
    nearest = min(POINTS, key=lambda rag: abs(POINTS[rag] - points))
    return nearest.value


class IndicatorThreshold(Rule):
    id = "indicator-threshold"
    title = "A numeric indicator is outside its green threshold"
    severity = Severity.MEDIUM
    question = "What explains this figure, and what is the plan and timescale to improve it?"

    def check(self, ctx: ReturnContext, params: NoParams) -> Iterator[Finding]:
        for view in ctx.items:
            answer = view.criterion.answer
            if answer.type != "numeric" or view.value_rag is None or view.response is None:
                continue
            if view.value_rag is RAG.GREEN:
                continue
            value = view.response.value
            unit = "%" if answer.unit == "percent" else ""
            claim = ""
            rated = view.level is not None and view.self_rag is not None
            if rated and view.self_rag is not None and view.self_rag.rank > view.value_rag.rank:
                # a rating never silently overrides the figure: say they disagree
                claim = f"rated {_label(view)}, but "
            yield Finding(
                f"{claim}the figure {value:g}{unit} is {view.value_rag.value} (green at "
                f"{answer.green:g}{unit}, amber at {answer.amber:g}{unit})",
                view.criterion.id,
                evidence=(f"{value:g}{unit}",),
                caps=view.value_rag,
                severity=Severity.HIGH if view.value_rag is RAG.RED else None,
            )


BUILT_IN_RULES: tuple[Rule, ...] = (
    EvidenceMissing(),
    EvidenceStale(),
    ActionOverdue(),
    ActionIncomplete(),
    GapWithoutAction(),
    GreenWithOpenActions(),
    ResponseMissing(),
    NotApplicableStatutory(),
    NotApplicableWithoutReason(),
    RequirementMissing(),
    SignOffMissing(),
    SignOffRole(),
    SubmissionLate(),
    RatingMoved(),
    CarriedForward(),
    PeerOutlier(),
    IndicatorThreshold(),
)
