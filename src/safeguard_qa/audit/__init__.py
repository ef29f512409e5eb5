"""Multi-agency case-file audits: themed audits of practice, triangulated with what agencies
claim in their Section 11 returns.

The audit tool is a framework of kind ``audit_tool`` (``macfa-practice`` is installed); a
round's file holds its sample, each agency's review and the multi-agency meeting.
"""

from __future__ import annotations

from safeguard_qa.audit.loaders import (
    AuditError,
    check_mapping,
    check_round,
    load_mapping,
    load_programme,
    load_round,
    load_survey,
    validated_round,
)
from safeguard_qa.audit.models import (
    AuditRound,
    CriterionMapping,
    Programme,
    Survey,
)

__all__ = [
    "AuditError",
    "AuditRound",
    "CriterionMapping",
    "Programme",
    "Survey",
    "check_mapping",
    "check_round",
    "load_mapping",
    "load_programme",
    "load_round",
    "load_survey",
    "validated_round",
]
