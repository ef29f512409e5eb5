"""The plugin contract: every type a plugin implements or receives, in one place.

- :class:`Rule`, :class:`Finding`, :class:`ReturnContext`, :class:`CriterionView`,
  :class:`PeerStats`: challenge rules and what they read.
- :class:`RollupStrategy`, :class:`Part`, :data:`POINTS`: roll-ups and the RAG points scores
  are made of.
- :class:`Renderer`, :class:`RenderOptions`: output formats.
- :class:`Command`: a command a plugin adds to the CLI.

``hookspecs`` names these types; nothing here imports the engine, the loaders or the
renderers, so a plugin importing the contract imports nothing else.

A rule is an object with an ``id``, a default ``severity``, a default panel ``question`` and
a ``check(ctx, params)`` method that yields :class:`Finding`s. ``Params`` is a pydantic model
of its settings; the policy's ``rules.<id>.params`` are validated against it once, when the
engine is built. Rules never see pluggy: the engine hands each one a :class:`ReturnContext`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from safeguard_qa.models.framework import Criterion, Framework, Standard
from safeguard_qa.models.policy import Bands, Policy, Severity
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Response, Return
from safeguard_qa.models.scale import RAG, Level, Scale

if TYPE_CHECKING:
    from safeguard_qa.analysis.partnership import PartnershipReport


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found. ``key`` tells apart several findings on one criterion (e.g. which
    action); it is part of the flag's fingerprint, so keep it stable. ``caps`` limits the
    assured rating of the criterion while the flag stands."""

    message: str
    criterion: str | None = None
    evidence: tuple[str, ...] = ()
    key: str = ""
    caps: RAG | None = None
    severity: Severity | None = None
    question: str | None = None


@dataclass(frozen=True, slots=True)
class CriterionView:
    """One applicable criterion with its response and the self rating resolved once."""

    criterion: Criterion
    standard: Standard
    response: Response | None
    scale: Scale | None
    level: Level | None
    self_rag: RAG | None
    not_applicable: bool
    value_rag: RAG | None = None
    answered: bool = field(init=False)
    """Rated, N/A, or (for a narrative criterion) given commentary."""
    claims_met: bool = field(init=False)
    """Rated green or better by the agency."""

    def __post_init__(self) -> None:
        # computed once here: every rule reads them for every criterion
        answered = (
            self.self_rag is not None
            or self.not_applicable
            or (
                self.response is not None
                and self.criterion.answer.type == "narrative"
                and bool(self.response.commentary.strip())
            )
        )
        object.__setattr__(self, "answered", answered)
        claims = self.self_rag is not None and self.self_rag.rank >= RAG.GREEN.rank
        object.__setattr__(self, "claims_met", claims)


PeerKey = tuple[str, ...]
"""(framework, criterion, agency type, sector or "")."""


@dataclass(frozen=True, slots=True)
class PeerStats:
    """How many agencies gave each self score (RAG points, 0..1) per framework, criterion,
    agency type and sector, so that peers can be compared like with like.

    Counts, not a list per agency: memory stays the same whatever the number of returns,
    so a whole region's returns can be streamed past it.
    """

    counts: Mapping[PeerKey, Mapping[float, int]] = field(default_factory=dict)
    _known: dict[tuple[object, ...], tuple[int, float | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _groups: dict[tuple[str, str], list[tuple[tuple[str, ...], Mapping[float, int]]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        # Rules of every plugin read the same counts: they get a read-only copy, so no rule
        # can change the peers other agencies are judged by.
        frozen = MappingProxyType(
            {key: MappingProxyType(dict(per)) for key, per in self.counts.items()}
        )
        object.__setattr__(self, "counts", frozen)
        # each criterion's groups found directly, not by a scan of every key
        for (framework, criterion, *group), per in frozen.items():
            self._groups.setdefault((framework, criterion), []).append((tuple(group), per))

    def others(
        self,
        framework: str,
        criterion: str,
        own: float | None,
        *,
        agency_type: str | None = None,
        sector: str | None = None,
    ) -> tuple[int, float | None]:
        """The number of other agencies scored on the criterion and their median score,
        leaving out one agency with score ``own`` (the one being evaluated). With
        ``agency_type`` or ``sector``, only agencies of that type or sector count."""
        key = (framework, criterion, own, agency_type, sector)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._others(key)
        return known

    def _others(self, key: tuple[object, ...]) -> tuple[int, float | None]:
        framework, criterion, own, agency_type, sector = key
        counts: dict[float, int] = {}
        for group, per in self._groups.get((str(framework), str(criterion)), ()):
            if agency_type is not None and group[0] != agency_type:
                continue
            if sector is not None and group[1] != sector:
                continue
            for score, n in per.items():
                counts[score] = counts.get(score, 0) + n
        if isinstance(own, float) and counts.get(own, 0) > 0:
            counts[own] -= 1
        total = sum(counts.values())
        if total == 0:
            return 0, None
        return total, _median(counts, total)


def _median(counts: Mapping[float, int], total: int) -> float:
    """The median of a multiset given as value -> count (the mean of the middle two when even)."""
    ordered = sorted(counts.items())

    def nth(n: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        raise IndexError(n)  # pragma: no cover - n < total always

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


@dataclass(frozen=True, slots=True)
class ReturnContext:
    """Everything a rule may read about one return. Read-only: the models are frozen, the
    views are tuples and the mappings are read-only proxies."""

    ret: Return
    framework: Framework
    policy: Policy
    as_of: dt.date
    items: tuple[CriterionView, ...]
    previous: Return | None = None
    previous_items: Mapping[str, CriterionView] | None = None
    peers: PeerStats | None = None

    def __post_init__(self) -> None:
        if self.previous_items is not None and not isinstance(
            self.previous_items, MappingProxyType
        ):
            object.__setattr__(self, "previous_items", MappingProxyType(dict(self.previous_items)))


class Rule:
    """Base class of challenge rules. Subclasses set the class attributes and ``check``."""

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    question: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams
    needs_peers: ClassVar[bool] = False
    """Set on rules that read ``ctx.peers``: the engine then gathers peer counts first."""

    def check(self, ctx: ReturnContext, params: Any) -> Iterable[Finding]:
        raise NotImplementedError

    def parse_params(self, raw: Mapping[str, Any]) -> BaseModel:
        return self.Params.model_validate(raw)


# --- roll-ups ------------------------------------------------------------------------------

POINTS: dict[RAG, float] = {RAG.RED: 0.0, RAG.AMBER: 1 / 3, RAG.GREEN: 2 / 3, RAG.BLUE: 1.0}
"""RAG points: the score of a rating. Red 0, amber 1/3, green 2/3, blue 1."""

Items = Sequence[tuple[RAG, float]]


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a roll-up: a criterion of a standard, or a standard of the overall.

    ``score`` is the part's RAG points (a criterion) or its roll-up score (a standard);
    ``position`` is where the answer itself sits from 0 (worst) to 1 (best): a figure
    between the item's min and max, or a rating's place on its own scale (for a standard,
    its score). ``weight`` is the criterion's or the standard's weight.
    """

    id: str
    rag: RAG
    weight: float
    score: float
    position: float


PartsCombine = Callable[[Sequence[Part], Policy], tuple[RAG, float]]


@dataclass(frozen=True, slots=True)
class RollupStrategy:
    """A named roll-up. ``combine`` (or ``combine_parts``, when given, which the engine then
    uses) gets at least one item. ``bands`` says which of the policy's bands turn its score
    into a RAG (None: the score is the RAG's points). ``averages`` names what a mean
    strategy averages ("score" or "position"), for the trace of each score."""

    name: str
    description: str
    combine: Callable[[Items, Policy], tuple[RAG, float]]
    bands: Callable[[Policy], Bands] | None = None
    combine_parts: PartsCombine | None = None
    averages: str | None = None


# --- renderers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Options every renderer may honour."""

    fail_on: Severity = Severity.HIGH
    show_self: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


EvaluationRender = Callable[[Sequence[Evaluation], RenderOptions], str | bytes]
PartnershipRender = Callable[["PartnershipReport", RenderOptions], str | bytes]
StreamRender = Callable[[Iterable[Evaluation], int, RenderOptions], Iterator[str] | Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class Renderer:
    """A named format. ``binary`` formats (xlsx) must be written to a file.

    ``stream``, where given, renders evaluations as they arrive (it is told how many will
    come) so that a folder of any size is evaluated in constant memory; it must produce
    exactly what ``evaluations`` would: text chunks, or bytes for a ``binary`` format.
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


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    """A command a plugin adds to ``safeguard-qa``. ``add_parser(commands)`` is called with
    the CLI's command set and adds one command named ``name`` with
    ``commands.add_parser(name, help=..., description=...)`` (which gives it the options of
    every command); the parser's ``func`` default takes the parsed arguments and returns
    the exit code. Plugin commands are looked up only when the command asked for is not a
    built-in one, so they cost nothing otherwise."""

    name: str
    help: str
    add_parser: Callable[[Any], None]
