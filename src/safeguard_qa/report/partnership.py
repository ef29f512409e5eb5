"""Moved to :mod:`safeguard_qa.analysis.partnership` (analysis is not rendering).

Kept for one release so that code importing the old path keeps working; it will go in 0.3.
"""

from safeguard_qa.analysis.partnership import *  # noqa: F403
from safeguard_qa.analysis.partnership import (  # noqa: F401
    PartnershipReport,
    build_partnership,
    check_one_return_each,
    evaluate_partnership,
)
