"""The pack's charts as geometry: what to draw, where, and the numbers behind it.

The templates (``_charts.html.j2``) draw each chart as inline SVG, with no script, and give
its numbers in a table beside it for screen readers; both come from the same objects here,
so the picture and the table cannot disagree. Three charts:

- :func:`rag_shares`: per standard of a framework, the agencies at each settled rating, as a
  bar of 100% split red, amber, green, blue and not rated;
- :func:`trend`: per agency, the overall settled rating in the previous cycle and now, as two
  dots on a Red-Amber-Green-Blue scale joined by a line;
- :func:`actions_by_status`: the action register counted by status (overdue apart).

Coordinates are in SVG user units; a chart is :data:`WIDTH` units wide and drawn at the
width of the A4 text column (186 mm), so one unit is about 0.75 pt and :data:`FONT` (13
units) about 9.8 pt: no text in a chart is under 9 pt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeguard_qa.analysis.partnership import (
    RAG_ORDER,
    ActionItem,
    FrameworkView,
    PartnershipReport,
    settled,
)
from safeguard_qa.models.scale import RAG

WIDTH = 700
"""Every chart's width in user units (drawn 186 mm wide: the A4 text column)."""
PRINT_WIDTH_MM = 186
FONT = 13
ROW = 24
LABEL = 250
"""Room on the left for the row labels."""
TOP = 8
BAR = 16
PLOT = WIDTH - LABEL - 60
"""The plot's width; 60 units on the right keep the totals."""
NOT_RATED = "none"


@dataclass(frozen=True, slots=True)
class Segment:
    """One coloured part of a bar: ``kind`` is a RAG value, ``none`` or a status id."""

    kind: str
    label: str
    value: int
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars; ``stacked`` bars each fill the plot (shares), others are to scale."""

    id: str
    title: str
    description: str
    columns: tuple[str, ...]
    """The table's column headings after the row label: a segment's label each."""
    bars: tuple[Bar, ...]
    stacked: bool
    height: float


@dataclass(frozen=True, slots=True)
class Move:
    """One agency's overall settled rating before and now, placed on the scale."""

    label: str
    y: float
    previous: RAG | None
    current: RAG | None
    direction: str
    x_previous: float | None
    x_current: float | None


@dataclass(frozen=True, slots=True)
class DotChart:
    id: str
    title: str
    description: str
    ticks: tuple[tuple[str, float], ...]
    moves: tuple[Move, ...]
    height: float


def _label(rag: RAG | None) -> str:
    return rag.value.capitalize() if rag is not None else "Not rated"


def rag_shares(view: FrameworkView) -> BarChart:
    """The agencies at each settled rating on each standard of ``view``."""
    bars = []
    for index, standard in enumerate(view.standards):
        counts = dict.fromkeys([*(r.value for r in RAG_ORDER), NOT_RATED], 0)
        for row in view.heatmap:
            cell = next(c for c in row.cells if c.standard == standard.id)
            rag = settled(cell)
            counts[rag.value if rag is not None else NOT_RATED] += 1
        total = sum(counts.values())
        bars.append(_stacked(f"{standard.id} {standard.title}", index, counts, total))
    return BarChart(
        id=f"chart-shares-{view.framework}",
        title=f"Settled ratings by standard: {view.title}",
        description="For each standard, the share of agencies at each settled rating "
        "(moderated where the panel recorded one, else assured).",
        columns=(*(_label(r) for r in RAG_ORDER), "Not rated"),
        bars=tuple(bars),
        stacked=True,
        height=_height(len(bars)),
    )


def _stacked(label: str, index: int, counts: dict[str, int], total: int) -> Bar:
    segments = []
    x = float(LABEL)
    for kind, value in counts.items():
        width = PLOT * value / total if total else 0.0
        name = "Not rated" if kind == NOT_RATED else kind.capitalize()
        segments.append(Segment(kind, name, value, round(x, 2), round(width, 2)))
        x += width
    return Bar(label, _y(index), total, tuple(segments))


def trend(report: PartnershipReport) -> DotChart | None:
    """Each agency's overall settled rating in the previous cycle and now (None without a
    previous cycle)."""
    if report.trend is None:
        return None
    positions = {NOT_RATED: 0, **{rag.value: i + 1 for i, rag in enumerate(RAG_ORDER)}}
    step = PLOT / (len(positions) - 1)

    def x(rag: RAG | None, known: bool) -> float | None:
        if not known:
            return None
        return round(LABEL + step * positions[rag.value if rag else NOT_RATED], 2)

    moves = tuple(
        Move(
            label=t.name,
            y=_y(index),
            previous=t.previous,
            current=t.current,
            direction=t.direction,
            x_previous=x(t.previous, t.direction != "new"),
            x_current=x(t.current, True),
        )
        for index, t in enumerate(report.trend.agencies)
    )
    ticks = (
        ("Not rated", float(LABEL)),
        *((_label(rag), round(LABEL + step * (i + 1), 2)) for i, rag in enumerate(RAG_ORDER)),
    )
    return DotChart(
        id="chart-trend",
        title="Overall settled rating by agency: previous cycle and now",
        description="A hollow dot is the previous cycle's overall settled rating, a filled dot "
        "this cycle's; the line shows the move.",
        ticks=ticks,
        moves=moves,
        height=_height(len(moves)) + ROW,
    )


ACTION_GROUPS = (
    ("overdue", "Overdue"),
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("complete", "Complete"),
)


def actions_by_status(actions: Sequence[ActionItem]) -> BarChart:
    """The action register counted by status; overdue actions counted apart from the rest."""
    counts = dict.fromkeys((kind for kind, _ in ACTION_GROUPS), 0)
    for action in actions:
        counts["overdue" if action.overdue else action.status] += 1
    most = max(counts.values(), default=0)
    bars = tuple(
        Bar(
            label,
            _y(index),
            counts[kind],
            (
                Segment(
                    kind,
                    label,
                    counts[kind],
                    float(LABEL),
                    round(PLOT * counts[kind] / most, 2) if most else 0.0,
                ),
            ),
        )
        for index, (kind, label) in enumerate(ACTION_GROUPS)
    )
    return BarChart(
        id="chart-actions",
        title="Action register by status",
        description="Every action in every return; an overdue action is counted as overdue "
        "only, not under its own status.",
        columns=("Actions",),
        bars=bars,
        stacked=False,
        height=_height(len(bars)),
    )


def _y(index: int) -> float:
    return float(TOP + index * ROW)


def _height(rows: int) -> float:
    return float(TOP * 2 + rows * ROW)
