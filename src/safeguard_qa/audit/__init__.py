"""Multi-agency case-file audits: themed audits of practice, triangulated with what agencies
claim in their Section 11 returns.

The audit tool is a framework of kind ``audit_tool`` (``macfa-practice`` is installed); a
round's file holds its plan, agencies, case sample, each agency's review and the multi-agency
meeting. From a round: :func:`audit_findings` (shares good or better, agreement, audit flags),
:func:`learning_briefing`, :func:`render_findings` / :func:`render_briefing`; from the cycle's
evaluated returns: :func:`triangulate`.
"""

from __future__ import annotations

from safeguard_qa.audit.analysis import AuditFindings, Briefing, analyse, briefing
from safeguard_qa.audit.api import (
    audit_findings,
    learning_briefing,
    render_briefing,
    render_findings,
)
from safeguard_qa.audit.loaders import (
    MAPPINGS_DIR,
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
    AgencyReview,
    AuditRound,
    CriterionMapping,
    Programme,
    Survey,
)
from safeguard_qa.audit.rules import BUILTIN_RULES, AuditContext, AuditFinding, AuditRule, run_rules
from safeguard_qa.audit.triangulation import Thresholds, triangulate
from safeguard_qa.audit.workbook import read_reviewer_form, reviewer_form

__all__ = [
    "BUILTIN_RULES",
    "MAPPINGS_DIR",
    "AgencyReview",
    "AuditContext",
    "AuditError",
    "AuditFinding",
    "AuditFindings",
    "AuditRound",
    "AuditRule",
    "Briefing",
    "CriterionMapping",
    "Programme",
    "Survey",
    "Thresholds",
    "analyse",
    "audit_findings",
    "briefing",
    "check_mapping",
    "check_round",
    "learning_briefing",
    "load_mapping",
    "load_programme",
    "load_round",
    "load_survey",
    "read_reviewer_form",
    "render_briefing",
    "render_findings",
    "reviewer_form",
    "run_rules",
    "triangulate",
    "validated_round",
]
