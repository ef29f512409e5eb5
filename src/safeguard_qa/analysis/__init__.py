"""Analysis: data in, data out, between the engine's results and the renderers.

The partnership view (who returned, heatmaps, shares, themes, trend, actions and each
agency's agenda) is built here; renderers in :mod:`safeguard_qa.report` only turn it into
text.
"""

from safeguard_qa.analysis.partnership import (
    PartnershipReport,
    build_partnership,
    evaluate_partnership,
)

__all__ = ["PartnershipReport", "build_partnership", "evaluate_partnership"]
