"""Roll-up strategies: how criterion ratings combine into a standard's, and standards' into
the overall rating.

A strategy's ``combine`` sees a list of ``(rag, weight)`` and returns a RAG and a score from
0 to 1. A strategy may instead (or as well) give ``combine_parts``, which sees each
:class:`Part` whole: its RAG, weight, RAG-points score and its own position (a figure
between its min and max, a rating's place on its scale). Criterion scores are RAG points:
red 0, amber 1/3, green 2/3, blue 1; a standard's score is what its roll-up gave, so a mean
overall is the mean of the standards' scores, not of their colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from safeguard_qa.contract import POINTS, Items, Part, PartsCombine, RollupStrategy
from safeguard_qa.models.policy import SCORE_DIGITS, Bands, Policy
from safeguard_qa.models.scale import RAG

__all__ = ["BUILT_IN", "POINTS", "Items", "Part", "PartsCombine", "RollupStrategy", "band"]


def band(score: float, bands: Bands) -> RAG:
    """The one RAG band ``score`` falls in."""
    if bands.blue is not None and score >= bands.blue:
        return RAG.BLUE
    if score >= bands.green:
        return RAG.GREEN
    if score >= bands.amber:
        return RAG.AMBER
    return RAG.RED


def capped_score(score: float, cap: RAG, bands: Bands | None) -> float:
    """``score`` lowered, when it must be, to the highest score that bands no better than
    ``cap``: a cap (e.g. no sign-off) moves the score with the band, so the two agree."""
    if bands is None:
        return min(score, POINTS[cap])
    upper = {RAG.RED: bands.amber, RAG.AMBER: bands.green, RAG.GREEN: bands.blue}.get(cap)
    if upper is None or score < upper:
        return score
    highest = round(upper - 10**-SCORE_DIGITS, SCORE_DIGITS)
    lower = {RAG.RED: 0.0, RAG.AMBER: bands.amber, RAG.GREEN: bands.green}[cap]
    return max(highest, lower) if band(max(highest, lower), bands).rank <= cap.rank else lower


def weighted_points(items: Items) -> float:
    """The weighted mean of RAG points, whatever the order of the items: ranks are whole
    thirds and ``fsum`` adds exactly, so a mean of exactly 0.6 is 0.6, never 0.5999..."""
    total = math.fsum(weight for _, weight in items)
    thirds = math.fsum(rag.rank * weight for rag, weight in items)
    return round(thirds / (3 * total), SCORE_DIGITS)


def worst_of(items: Items, policy: Policy) -> tuple[RAG, float]:
    worst = RAG.worst([rag for rag, _ in items])
    return worst, POINTS[worst]


def weighted_mean(items: Items, policy: Policy) -> tuple[RAG, float]:
    score = weighted_points(items)
    return band(score, policy.mean_bands), score


def percentage_met(items: Items, policy: Policy) -> tuple[RAG, float]:
    total = math.fsum(weight for _, weight in items)
    met = math.fsum(weight for rag, weight in items if rag.rank >= RAG.GREEN.rank)
    share = round(met / total, SCORE_DIGITS)
    return band(share, policy.met_bands), share


def any_red_is_red(items: Items, policy: Policy) -> tuple[RAG, float]:
    rag, score = weighted_mean(items, policy)
    if any(item_rag is RAG.RED for item_rag, _ in items):
        return RAG.RED, score
    return rag, score


def mean_of_parts(parts: Sequence[Part], *, by: str = "score") -> float:
    """The weighted mean of the parts' scores (or positions), exact for RAG points: a part
    whose score is its RAG's points is added as whole thirds, so order never matters."""
    total = math.fsum(p.weight for p in parts)
    if by == "score" and all(p.score == POINTS[p.rag] for p in parts):
        return weighted_points([(p.rag, p.weight) for p in parts])
    values = [p.position if by == "position" else p.score for p in parts]
    return round(math.fsum(v * p.weight for v, p in zip(values, parts, strict=True)) / total, 12)


def weighted_mean_parts(parts: Sequence[Part], policy: Policy) -> tuple[RAG, float]:
    score = round(mean_of_parts(parts), SCORE_DIGITS)
    return band(score, policy.mean_bands), score


def any_red_is_red_parts(parts: Sequence[Part], policy: Policy) -> tuple[RAG, float]:
    rag, score = weighted_mean_parts(parts, policy)
    return (RAG.RED if any(p.rag is RAG.RED for p in parts) else rag), score


def weighted_score(parts: Sequence[Part], policy: Policy) -> tuple[RAG, float]:
    score = round(mean_of_parts(parts, by="position"), SCORE_DIGITS)
    return band(score, policy.mean_bands), score


def _weighted_score_of_rags(items: Items, policy: Policy) -> tuple[RAG, float]:
    # the (rag, weight) form, for callers without parts: positions are RAG points then
    return weighted_mean(items, policy)


def _mean_bands(policy: Policy) -> Bands:
    return policy.mean_bands


def _met_bands(policy: Policy) -> Bands:
    return policy.met_bands


BUILT_IN = (
    RollupStrategy("worst_of", "the worst rating of its parts", worst_of),
    RollupStrategy(
        "weighted_mean",
        "the weighted mean of RAG points (red 0, amber 1/3, green 2/3, blue 1) of criteria, "
        "or of the standards' scores for the overall, banded by the policy's mean_bands",
        weighted_mean,
        _mean_bands,
        weighted_mean_parts,
        "score",
    ),
    RollupStrategy(
        "percentage_met",
        "the weighted share of parts rated green or better, banded by the policy's met_bands",
        percentage_met,
        _met_bands,
    ),
    RollupStrategy(
        "any_red_is_red",
        "red when any part is red, otherwise as weighted_mean",
        any_red_is_red,
        _mean_bands,
        any_red_is_red_parts,
        "score",
    ),
    RollupStrategy(
        "weighted_score",
        "the weighted mean of each part's own score: a figure's place between its min and "
        "max (a percentage out of 100), a rating's place on its scale (worst 0, best 1); "
        "N/A left out and weights re-based; banded by the policy's mean_bands",
        _weighted_score_of_rags,
        _mean_bands,
        weighted_score,
        "position",
    ),
)
