"""The partnership view: who has returned, where each agency stands, the themes shared across
agencies, the trend since the last cycle, every action, and each agency's challenge agenda.

:func:`build_partnership` turns evaluated returns into a :class:`PartnershipReport`, a frozen
model whose JSON is the stable form the HTML and Markdown packs are rendered from.
:func:`evaluate_partnership` evaluates both cycles and builds the report in one call.

Two definitions the board should know:

- The **settled** rating of a criterion or standard is the panel's moderated rating where
  one is recorded, else the assured rating (what the evidence supports). Shares, themes and
  the trend use it; the heatmap shows assured, moderated and (on request) self side by side.
- A **theme** is a criterion, or a framework tag, on which at least ``policy.theme_share``
  of the rated agencies, and at least two of them, are amber or red. An agency counts
  towards a tag when any of its criteria carrying the tag is amber or red.

The sign-off's name never enters the report: only the signer's role does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from safeguard_qa.engine.engine import Engine
from safeguard_qa.engine.rollup import POINTS
from safeguard_qa.errors import InputError, Problem
from safeguard_qa.models.base import Model
from safeguard_qa.models.framework import Criterion, Framework
from safeguard_qa.models.outcomes import Outcome, Outcomes
from safeguard_qa.models.partnership import ExpectedAgencies, ExpectedAgency
from safeguard_qa.models.policy import Policy, RuleConfig, Severity
from safeguard_qa.models.results import Evaluation, Flag, FlagStatus, Ratings, StandardResult
from safeguard_qa.models.returns import Action, Return
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry

PARTNERSHIP_SCHEMA_VERSION = "1"
MIN_THEME_AGENCIES = 2
"""A theme is shared: one agency alone, however weak, is that agency's issue, not a theme."""

Direction = Literal["improved", "declined", "unchanged", "new"]
RAG_ORDER: tuple[RAG, ...] = (RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE)


# --- the report model ---------------------------------------------------------------------


class AgencyStatus(Model):
    """Whether one agency has returned, on time and signed off. ``days_late`` counts from the
    deadline to the submission (or, unsubmitted, to the as-of date)."""

    agency: str
    name: str
    type: str
    expected: bool
    returned: bool
    framework: str | None = None
    expected_framework: str | None = None
    deadline: dt.date | None = None
    submitted: dt.date | None = None
    late: bool = False
    days_late: int | None = None
    signed_off: bool = False
    sign_off_role: str | None = None


class ReturnStatus(Model):
    """Who has returned. ``missing``, ``late``, ``unsigned`` and ``unexpected`` are agency ids;
    ``unexpected`` lists returns from agencies not on the expected list (when one is given)."""

    expected: int
    returned: int
    missing: tuple[str, ...]
    late: tuple[str, ...]
    unsigned: tuple[str, ...]
    unexpected: tuple[str, ...]
    agencies: tuple[AgencyStatus, ...]


class StandardColumn(Model):
    id: str
    title: str


class HeatCell(Ratings):
    """One agency on one standard; all ratings are None when no criterion of it applies."""

    standard: str


class HeatRow(Model):
    agency: str
    name: str
    overall: Ratings
    cells: tuple[HeatCell, ...]
    trend: Direction | None = None


class CriterionShare(Model):
    """How the rated agencies stand on one criterion (settled ratings)."""

    criterion: str
    standard: str
    text: str
    tags: tuple[str, ...]
    rated: int
    unrated: int
    red: int
    amber: int
    green: int
    blue: int
    amber_or_red_share: float
    theme: bool


class FrameworkView(Model):
    """The heatmap and criterion shares of the agencies that returned on one framework."""

    framework: str
    version: str
    title: str
    standards: tuple[StandardColumn, ...]
    heatmap: tuple[HeatRow, ...]
    criteria: tuple[CriterionShare, ...]


class Theme(Model):
    """A criterion or tag on which many agencies are amber or red."""

    kind: Literal["criterion", "tag"]
    key: str
    label: str
    framework: str | None = None
    criteria: tuple[str, ...]
    agencies: tuple[str, ...]
    rated: int
    share: float


class AgencyTrend(Model):
    """One agency's overall settled rating now and in the previous cycle."""

    agency: str
    name: str
    previous: RAG | None
    current: RAG | None
    direction: Direction
    standards_improved: int
    standards_declined: int


class StandardTrend(Model):
    """A standard's mean settled score (0-1) across the agencies rated in both cycles."""

    framework: str
    standard: str
    title: str
    agencies: int
    previous_score: float | None
    current_score: float | None
    direction: Direction


class Trend(Model):
    agencies: tuple[AgencyTrend, ...]
    standards: tuple[StandardTrend, ...]


class ActionItem(Model):
    """One line of an agency's action plan; ``number`` counts from 1 within its response."""

    agency: str
    name: str
    criterion: str
    standard: str | None
    number: int
    description: str
    owner: str
    due: dt.date | None
    status: str
    completed: dt.date | None
    overdue: bool
    days_overdue: int | None


class EvidenceNote(Model):
    description: str
    reference: str = ""
    date: dt.date | None = None


class AgendaItem(Ratings):
    """A flag, with the agency's own evidence and commentary for the criterion it is on."""

    rank: int | None
    fingerprint: str
    rule: str
    severity: Severity
    status: FlagStatus
    reason: str | None
    standard: str | None
    criterion: str | None
    criterion_text: str
    message: str
    evidence: tuple[str, ...]
    question: str
    self_level: str | None = None
    moderated_level: str | None = None
    claimed_descriptor: str = ""
    """What the level the agency claimed looks like for this item (its descriptor)."""
    references: tuple[str, ...] = ()
    agency_evidence: tuple[EvidenceNote, ...] = ()
    commentary: str = ""


class FlagCounts(Model):
    """Flags by status and by severity; ``open_high`` counts high flags still undecided."""

    total: int
    open: int
    decided: int
    dismissed: int
    high: int
    medium: int
    low: int
    open_high: int


class ModeratedRating(Model):
    """A criterion the panel moderated, beside the agency's and the evidence's rating."""

    criterion: str
    standard: str
    self_level: str | None
    self_rag: RAG | None
    assured_rag: RAG | None
    moderated_level: str | None
    moderated_rag: RAG | None


class AgencyPack(Model):
    """One agency's pages of the challenge-event pack."""

    agency: str
    name: str
    type: str
    framework: str
    version: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    sign_off_role: str | None
    overall: Ratings
    standards: tuple[StandardResult, ...]
    flags: FlagCounts
    agenda: tuple[AgendaItem, ...]
    dismissed: tuple[AgendaItem, ...]
    moderated: tuple[ModeratedRating, ...]
    decisions: tuple[Outcome, ...]


class PolicySetting(Model):
    """A policy setting that differs from the built-in policy, for the pack's reader:
    ``name`` is its dotted path (``rules.evidence-stale.params.max_age_days``), ``value``
    its value as JSON text."""

    name: str
    value: str


class PartnershipReport(Model):
    """The partnership view and the challenge-event pack, as data."""

    schema_version: str = PARTNERSHIP_SCHEMA_VERSION
    partnership: str
    cycle: str
    as_of: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    theme_share: float
    status: ReturnStatus
    frameworks: tuple[FrameworkView, ...]
    themes: tuple[Theme, ...]
    trend: Trend | None
    actions: tuple[ActionItem, ...]
    agencies: tuple[AgencyPack, ...]
    policy_settings: tuple[PolicySetting, ...] = ()


# --- building it --------------------------------------------------------------------------

Result = tuple[Return, Evaluation]


def evaluate_partnership(
    returns: Sequence[Return],
    *,
    registry: Registry,
    policy: Policy | None = None,
    expected: ExpectedAgencies | None = None,
    previous_returns: Sequence[Return] = (),
    outcomes: Outcomes | None = None,
    policy_file: str | None = None,
    previous_policy: Policy | None = None,
    extra_flags: Mapping[str, Sequence[Flag]] | None = None,
) -> PartnershipReport:
    """Evaluate this cycle's returns (peers of each other, each against its previous return)
    and the previous cycle's, then build the partnership report.

    The previous cycle is judged as at its own date, never at this cycle's ``as_of``: under
    ``previous_policy`` when given (last year's policy), else under this policy with
    ``as_of`` left to each previous return's own submission date. Judging last year's
    evidence at this year's date would call it stale and make every trend look better.
    ``extra_flags`` (by agency id) join the agencies' agendas, e.g. the flags of
    :func:`safeguard_qa.audit.triangulate`.
    """
    check_one_return_each(returns, "returns")
    check_one_return_each(previous_returns, "previous returns")
    engine = Engine(registry, policy, policy_file=policy_file)
    previous: list[Evaluation] = []
    if previous_returns:
        before = previous_policy or as_of_own_dates(engine.policy)
        previous = Engine(registry, before, policy_file=policy_file).evaluate_many(
            previous_returns, outcomes=outcomes
        )
    current = engine.evaluate_many(
        returns,
        previous={r.agency.id: r for r in previous_returns},
        outcomes=outcomes,
        extra_flags=extra_flags,
    )
    return build_partnership(
        list(zip(returns, current, strict=True)),
        registry=registry,
        policy=engine.policy,
        expected=expected,
        previous=previous,
    )


def as_of_own_dates(policy: Policy) -> Policy:
    """``policy`` with ``as_of`` unset, so each return is judged as at its own date."""
    if policy.as_of is None:
        return policy
    return Policy.model_validate({**policy.model_dump(exclude={"as_of"}), "as_of": None})


def check_one_return_each(returns: Sequence[Return], what: str) -> None:
    """A partnership cycle holds one return per agency; two would make every view ambiguous."""
    seen: dict[str, int] = defaultdict(int)
    for ret in returns:
        seen[ret.agency.id] += 1
    twice = sorted(agency for agency, count in seen.items() if count > 1)
    if twice:
        raise InputError(
            [Problem(what, f"agency {a}", "more than one return from this agency") for a in twice]
        )


def build_partnership(
    results: Sequence[Result],
    *,
    registry: Registry,
    policy: Policy | None = None,
    expected: ExpectedAgencies | None = None,
    previous: Sequence[Evaluation] = (),
) -> PartnershipReport:
    """The partnership report from each return paired with its evaluation.

    ``previous`` holds the previous cycle's evaluations (matched by agency id) for the trend;
    ``registry`` supplies the frameworks, for criterion text and tags.
    """
    policy = policy or Policy()
    check_one_return_each([ret for ret, _ in results], "returns")
    results = sorted(results, key=lambda pair: _agency_order(pair[1]))
    frameworks = {
        key: registry.framework(*key) for key in sorted({_framework_key(ev) for _, ev in results})
    }
    evaluations = [ev for _, ev in results]
    views = tuple(
        _framework_view(fw, [ev for ev in evaluations if _framework_key(ev) == key], policy)
        for key, fw in frameworks.items()
    )
    trend = _trend(evaluations, previous) if previous else None
    if trend is not None:
        views = _with_trend(views, trend)
    return PartnershipReport(
        partnership=expected.partnership if expected else "",
        cycle=expected.cycle if expected else "",
        as_of=policy.as_of or max((ev.as_of for ev in evaluations), default=None),
        period_start=min((ev.period_start for ev in evaluations), default=None),
        period_end=max((ev.period_end for ev in evaluations), default=None),
        theme_share=policy.theme_share,
        status=_status(evaluations, expected),
        frameworks=views,
        themes=_themes(views, evaluations, frameworks, policy.theme_share),
        trend=trend,
        actions=_action_register(results),
        agencies=tuple(
            _agency_pack(ret, ev, frameworks[_framework_key(ev)]) for ret, ev in results
        ),
        policy_settings=non_default_settings(policy, registry),
    )


def non_default_settings(policy: Policy, registry: Registry) -> tuple[PolicySetting, ...]:
    """The settings of ``policy`` that differ from the built-in policy (a rule's parameters
    from the rule's own defaults), in a fixed order."""
    found: list[PolicySetting] = []
    _differences("", policy.model_dump(mode="json", exclude={"rules"}),
                 Policy().model_dump(mode="json", exclude={"rules"}), found)  # fmt: skip
    for rule_id in sorted(policy.rules):
        config = policy.rules[rule_id]
        rule = registry.rules.get(rule_id)
        params = rule.Params().model_dump(mode="json") if rule is not None else {}
        default = {**RuleConfig().model_dump(mode="json"), "params": params}
        given = config.model_dump(mode="json")
        given["params"] = {**params, **given["params"]}
        _differences(f"rules.{rule_id}.", given, default, found)
    return tuple(found)


def _differences(prefix: str, given: object, default: object, found: list[PolicySetting]) -> None:
    if isinstance(given, dict) and isinstance(default, dict):
        for key in given:
            _differences(f"{prefix}{key}.", given[key], default.get(key), found)
    elif given != default:
        found.append(PolicySetting(name=prefix.rstrip("."), value=json.dumps(given)))


def _agency_order(ev: Evaluation) -> tuple[str, str]:
    return (ev.agency.name.casefold(), ev.agency.id)


def _framework_key(ev: Evaluation) -> tuple[str, str]:
    return (ev.framework.id, ev.framework.version)


def settled(ratings: Ratings) -> RAG | None:
    """The panel's moderated rating where recorded, else the assured rating."""
    return ratings.moderated_rag or ratings.assured_rag


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- return status ------------------------------------------------------------------------


def _status(evaluations: Sequence[Evaluation], expected: ExpectedAgencies | None) -> ReturnStatus:
    listed = {a.id: a for a in expected.agencies} if expected else {}
    returned = {ev.agency.id: ev for ev in evaluations}
    rows = [_returned_status(ev, listed.get(ev.agency.id)) for ev in evaluations]
    rows += [_missing_status(a) for a_id, a in listed.items() if a_id not in returned]
    rows.sort(key=lambda s: (s.name.casefold(), s.agency))
    return ReturnStatus(
        expected=len(listed),
        returned=len(returned),
        missing=tuple(s.agency for s in rows if not s.returned),
        late=tuple(s.agency for s in rows if s.late),
        unsigned=tuple(s.agency for s in rows if s.returned and not s.signed_off),
        unexpected=tuple(s.agency for s in rows if expected and not s.expected),
        agencies=tuple(rows),
    )


def _returned_status(ev: Evaluation, listed: ExpectedAgency | None) -> AgencyStatus:
    days_late = _days_late(ev)
    return AgencyStatus(
        agency=ev.agency.id,
        name=ev.agency.name,
        type=ev.agency.type,
        expected=listed is not None,
        returned=True,
        framework=ev.framework.id,
        expected_framework=listed.framework if listed else None,
        deadline=ev.deadline,
        submitted=ev.submitted,
        late=days_late is not None,
        days_late=days_late,
        signed_off=ev.sign_off_role is not None,
        sign_off_role=ev.sign_off_role,
    )


def _days_late(ev: Evaluation) -> int | None:
    """Days past the deadline, or None when on time (or there is no deadline)."""
    if ev.deadline is None:
        return None
    end = ev.submitted or ev.as_of
    return (end - ev.deadline).days if end > ev.deadline else None


def _missing_status(agency: ExpectedAgency) -> AgencyStatus:
    return AgencyStatus(
        agency=agency.id,
        name=agency.name,
        type=agency.type,
        expected=True,
        returned=False,
        expected_framework=agency.framework,
    )


# --- heatmap and criterion shares ---------------------------------------------------------


def _framework_view(
    framework: Framework, evaluations: Sequence[Evaluation], policy: Policy
) -> FrameworkView:
    return FrameworkView(
        framework=framework.id,
        version=framework.version,
        title=framework.title,
        standards=tuple(StandardColumn(id=s.id, title=s.title) for s in framework.standards),
        heatmap=tuple(_heat_row(framework, ev) for ev in evaluations),
        criteria=tuple(
            _criterion_share(framework, cid, evaluations, policy.theme_share)
            for cid in framework.criteria
        ),
    )


def _heat_row(framework: Framework, ev: Evaluation) -> HeatRow:
    by_id = {s.standard: s for s in ev.standards}
    cells = [
        HeatCell(standard=s.id, **(_ratings_of(by_id[s.id]) if s.id in by_id else {}))
        for s in framework.standards
    ]
    return HeatRow(
        agency=ev.agency.id,
        name=ev.agency.name,
        overall=Ratings.model_validate(_ratings_of(ev.overall)),
        cells=tuple(cells),
    )


def _ratings_of(ratings: Ratings) -> dict[str, object]:
    return {name: getattr(ratings, name) for name in Ratings.model_fields}


def _criterion_share(
    framework: Framework, criterion_id: str, evaluations: Sequence[Evaluation], theme_share: float
) -> CriterionShare:
    criterion = framework.criteria[criterion_id]
    rags: list[RAG] = []
    unrated = 0
    for ev in evaluations:
        result = next((c for c in ev.criteria if c.criterion == criterion_id), None)
        if result is None:
            continue  # not asked of this agency
        rag = settled(result)
        if rag is None:
            unrated += 1
        else:
            rags.append(rag)
    weak = sum(1 for rag in rags if rag.rank <= RAG.AMBER.rank)
    share = _share(weak, len(rags))
    return CriterionShare(
        criterion=criterion_id,
        standard=framework.standard_of[criterion_id].id,
        text=criterion.text,
        tags=criterion.tags,
        rated=len(rags),
        unrated=unrated,
        **{rag.value: rags.count(rag) for rag in RAG_ORDER},
        amber_or_red_share=share,
        theme=_is_theme(weak, len(rags), theme_share),
    )


def _is_theme(weak: int, rated: int, theme_share: float) -> bool:
    """At least two agencies, and at least ``theme_share`` of those rated, amber or red. The
    share is compared unrounded: rounding is for display only."""
    return weak >= MIN_THEME_AGENCIES and rated > 0 and weak / rated >= theme_share


# --- themes -------------------------------------------------------------------------------


def _themes(
    views: Sequence[FrameworkView],
    evaluations: Sequence[Evaluation],
    frameworks: Mapping[tuple[str, str], Framework],
    theme_share: float,
) -> tuple[Theme, ...]:
    themes = [
        _criterion_theme(view, share, evaluations) for view in views for share in view.criteria
    ]
    found = [t for t in themes if t is not None]
    found += _tag_themes(evaluations, frameworks, theme_share)
    found.sort(key=lambda t: (-t.share, -len(t.agencies), t.kind, t.framework or "", t.key))
    return tuple(found)


def _criterion_theme(
    view: FrameworkView, share: CriterionShare, evaluations: Sequence[Evaluation]
) -> Theme | None:
    if not share.theme:
        return None
    weak = [
        ev.agency.id
        for ev in evaluations
        if _framework_key(ev) == (view.framework, view.version) and _weak_on(ev, {share.criterion})
    ]
    return Theme(
        kind="criterion",
        key=share.criterion,
        label=share.text,
        framework=view.framework,
        criteria=(share.criterion,),
        agencies=tuple(weak),
        rated=share.rated,
        share=share.amber_or_red_share,
    )


def _weak_on(ev: Evaluation, criteria: set[str]) -> bool:
    """Whether any of these criteria is amber or red (settled) for this agency."""
    return any(
        (rag := settled(c)) is not None and rag.rank <= RAG.AMBER.rank
        for c in ev.criteria
        if c.criterion in criteria
    )


def _tag_themes(
    evaluations: Sequence[Evaluation],
    frameworks: Mapping[tuple[str, str], Framework],
    theme_share: float,
) -> list[Theme]:
    rated: dict[str, list[str]] = defaultdict(list)
    weak: dict[str, list[str]] = defaultdict(list)
    criteria: dict[str, set[str]] = defaultdict(set)
    for ev in evaluations:
        framework = frameworks[_framework_key(ev)]
        for tag, ids in _tagged_criteria(ev, framework).items():
            rated[tag].append(ev.agency.id)
            if _weak_on(ev, ids):
                weak[tag].append(ev.agency.id)
                criteria[tag].update(i for i in ids if _weak_on(ev, {i}))
    themes = []
    for tag in sorted(rated):
        share = _share(len(weak[tag]), len(rated[tag]))
        if _is_theme(len(weak[tag]), len(rated[tag]), theme_share):
            themes.append(
                Theme(
                    kind="tag",
                    key=tag,
                    label=tag.replace("-", " "),
                    criteria=tuple(sorted(criteria[tag])),
                    agencies=tuple(weak[tag]),
                    rated=len(rated[tag]),
                    share=share,
                )
            )
    return themes


def _tagged_criteria(ev: Evaluation, framework: Framework) -> dict[str, set[str]]:
    """The agency's rated criteria by framework tag."""
    found: dict[str, set[str]] = defaultdict(set)
    for result in ev.criteria:
        if settled(result) is None:
            continue
        for tag in framework.criteria[result.criterion].tags:
            found[tag].add(result.criterion)
    return found


# --- trend --------------------------------------------------------------------------------


def _direction(previous: float | None, current: float | None) -> Direction:
    if previous is None:
        return "new"
    if current is None or abs(current - previous) < 1e-9:
        return "unchanged"
    return "improved" if current > previous else "declined"


def _points(rag: RAG | None) -> float | None:
    return POINTS[rag] if rag is not None else None


def _trend(evaluations: Sequence[Evaluation], previous: Sequence[Evaluation]) -> Trend:
    before = {ev.agency.id: ev for ev in previous}
    return Trend(
        agencies=tuple(_agency_trend(ev, before.get(ev.agency.id)) for ev in evaluations),
        standards=_standard_trends(evaluations, before),
    )


def _agency_trend(ev: Evaluation, before: Evaluation | None) -> AgencyTrend:
    moves = [_direction(_points(p), _points(c)) for p, c in _paired_standards(ev, before)]
    previous = settled(before.overall) if before is not None else None
    current = settled(ev.overall)
    return AgencyTrend(
        agency=ev.agency.id,
        name=ev.agency.name,
        previous=previous,
        current=current,
        direction="new" if before is None else _direction(_points(previous), _points(current)),
        standards_improved=moves.count("improved"),
        standards_declined=moves.count("declined"),
    )


def _paired_standards(
    ev: Evaluation, before: Evaluation | None
) -> list[tuple[RAG | None, RAG | None]]:
    """(previous, current) settled ratings of each standard rated in both returns."""
    if before is None or before.framework.id != ev.framework.id:
        return []
    old = {s.standard: settled(s) for s in before.standards}
    return [
        (old[s.standard], settled(s))
        for s in ev.standards
        if old.get(s.standard) is not None and settled(s) is not None
    ]


def _standard_trends(
    evaluations: Sequence[Evaluation], before: Mapping[str, Evaluation]
) -> tuple[StandardTrend, ...]:
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    titles: dict[tuple[str, str], str] = {}
    for ev in evaluations:
        old = before.get(ev.agency.id)
        if old is None or old.framework.id != ev.framework.id:
            continue
        old_by_id = {s.standard: settled(s) for s in old.standards}
        for standard in ev.standards:
            key = (ev.framework.id, standard.standard)
            titles.setdefault(key, standard.title)
            prev_rag, cur_rag = old_by_id.get(standard.standard), settled(standard)
            if prev_rag is not None and cur_rag is not None:
                pairs[key].append((POINTS[prev_rag], POINTS[cur_rag]))
    return tuple(_standard_trend(key, titles[key], pairs[key]) for key in _ordered_keys(titles))


def _ordered_keys(titles: Mapping[tuple[str, str], str]) -> list[tuple[str, str]]:
    """Framework by id, standards in framework order (the order first seen)."""
    first_seen = {key: i for i, key in enumerate(titles)}
    return sorted(titles, key=lambda key: (key[0], first_seen[key]))


def _standard_trend(
    key: tuple[str, str], title: str, pairs: Sequence[tuple[float, float]]
) -> StandardTrend:
    previous = round(sum(p for p, _ in pairs) / len(pairs), 4) if pairs else None
    current = round(sum(c for _, c in pairs) / len(pairs), 4) if pairs else None
    return StandardTrend(
        framework=key[0],
        standard=key[1],
        title=title,
        agencies=len(pairs),
        previous_score=previous,
        current_score=current,
        direction=_direction(previous, current),
    )


def _with_trend(views: Sequence[FrameworkView], trend: Trend) -> tuple[FrameworkView, ...]:
    by_agency = {t.agency: t.direction for t in trend.agencies}
    return tuple(
        view.model_copy(
            update={
                "heatmap": tuple(
                    row.model_copy(update={"trend": by_agency.get(row.agency)})
                    for row in view.heatmap
                )
            }
        )
        for view in views
    )


# --- action register ----------------------------------------------------------------------


def _action_register(results: Sequence[Result]) -> tuple[ActionItem, ...]:
    items = [
        _action_item(ret, ev, criterion, number, action)
        for ret, ev in results
        for criterion, number, action in _actions(ret)
    ]
    return tuple(sorted(items, key=_action_order))


def _actions(ret: Return) -> Iterable[tuple[str, int, Action]]:
    for response in ret.responses:
        for number, action in enumerate(response.actions, 1):
            yield response.criterion, number, action


def _action_item(
    ret: Return, ev: Evaluation, criterion: str, number: int, action: Action
) -> ActionItem:
    standards = {c.criterion: c.standard for c in ev.criteria}
    overdue = action.status != "complete" and action.due is not None and action.due < ev.as_of
    return ActionItem(
        agency=ev.agency.id,
        name=ev.agency.name,
        criterion=criterion,
        standard=standards.get(criterion),
        number=number,
        description=action.description,
        owner=action.owner,
        due=action.due,
        status=action.status,
        completed=action.completed,
        overdue=overdue,
        days_overdue=(ev.as_of - action.due).days if overdue and action.due else None,
    )


def _action_order(item: ActionItem) -> tuple[int, int, dt.date, str, str, str, int]:
    """Overdue first (longest overdue first), then open by due date, then complete."""
    group = 0 if item.overdue else 1 if item.status != "complete" else 2
    return (
        group,
        -(item.days_overdue or 0),
        item.due or dt.date.max,
        item.name.casefold(),
        item.agency,
        item.criterion,
        item.number,
    )


# --- each agency's pages ------------------------------------------------------------------


def _agency_pack(ret: Return, ev: Evaluation, framework: Framework) -> AgencyPack:
    agenda = ev.agenda_flags()
    return AgencyPack(
        agency=ev.agency.id,
        name=ev.agency.name,
        type=ev.agency.type,
        framework=ev.framework.id,
        version=ev.framework.version,
        period_start=ev.period_start,
        period_end=ev.period_end,
        as_of=ev.as_of,
        sign_off_role=ev.sign_off_role,
        overall=ev.overall,
        standards=ev.standards,
        flags=_flag_counts(ev.flags),
        agenda=tuple(
            _agenda_item(ret, ev, framework, flag, rank) for rank, flag in enumerate(agenda, 1)
        ),
        dismissed=tuple(
            _agenda_item(ret, ev, framework, flag, None)
            for flag in ev.flags
            if flag.status == "dismissed"
        ),
        moderated=_moderated(ev),
        decisions=_decisions(ev),
    )


def _flag_counts(flags: Sequence[Flag]) -> FlagCounts:
    return FlagCounts(
        total=len(flags),
        open=sum(1 for f in flags if f.status == "open"),
        decided=sum(1 for f in flags if f.status not in ("open", "dismissed")),
        dismissed=sum(1 for f in flags if f.status == "dismissed"),
        high=sum(1 for f in flags if f.severity is Severity.HIGH),
        medium=sum(1 for f in flags if f.severity is Severity.MEDIUM),
        low=sum(1 for f in flags if f.severity is Severity.LOW),
        open_high=sum(1 for f in flags if f.status == "open" and f.severity is Severity.HIGH),
    )


def _agenda_item(
    ret: Return, ev: Evaluation, framework: Framework, flag: Flag, rank: int | None
) -> AgendaItem:
    result = next((c for c in ev.criteria if c.criterion == flag.criterion), None)
    response = ret.by_criterion.get(flag.criterion) if flag.criterion else None
    criterion = framework.criteria.get(flag.criterion) if flag.criterion else None
    return AgendaItem(
        rank=rank,
        fingerprint=flag.fingerprint,
        rule=flag.rule,
        severity=flag.severity,
        status=flag.status,
        reason=flag.reason,
        standard=flag.standard,
        criterion=flag.criterion,
        criterion_text=criterion.text if criterion else "",
        message=flag.message,
        evidence=flag.evidence,
        question=flag.question,
        **(_ratings_of(result) if result is not None else {}),
        self_level=result.self_level if result else None,
        moderated_level=result.moderated_level if result else None,
        claimed_descriptor=_descriptor(criterion, result.self_level if result else None),
        references=criterion.references if criterion else (),
        agency_evidence=tuple(
            EvidenceNote(description=e.description, reference=e.reference, date=e.date)
            for e in (response.evidence if response else ())
        ),
        commentary=response.commentary if response else "",
    )


def _descriptor(criterion: Criterion | None, level: str | None) -> str:
    if criterion is None or level is None:
        return ""
    for key, text in criterion.descriptors.items():
        if key.casefold() == level.casefold():
            return text.strip()
    return ""


def _moderated(ev: Evaluation) -> tuple[ModeratedRating, ...]:
    return tuple(
        ModeratedRating(
            criterion=c.criterion,
            standard=c.standard,
            self_level=c.self_level,
            self_rag=c.self_rag,
            assured_rag=c.assured_rag,
            moderated_level=c.moderated_level,
            moderated_rag=c.moderated_rag,
        )
        for c in ev.criteria
        if c.moderated_level is not None
    )


def _decisions(ev: Evaluation) -> tuple[Outcome, ...]:
    """The outcomes that touch this return: one of its flags or one of its criteria."""
    flags = {f.fingerprint for f in ev.flags}
    criteria = {c.criterion for c in ev.criteria}
    return tuple(o for o in ev.outcomes if o.flag in flags or o.criterion in criteria)


__all__ = [
    "ActionItem",
    "AgencyPack",
    "AgencyStatus",
    "AgencyTrend",
    "AgendaItem",
    "CriterionShare",
    "FrameworkView",
    "HeatCell",
    "HeatRow",
    "PartnershipReport",
    "PolicySetting",
    "ReturnStatus",
    "StandardTrend",
    "Theme",
    "Trend",
    "build_partnership",
    "evaluate_partnership",
    "settled",
]
