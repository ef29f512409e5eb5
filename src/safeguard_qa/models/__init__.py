"""The data model: frameworks, scales, returns, policy, outcomes and results (pydantic v2)."""

from safeguard_qa.models.framework import (
    Criterion,
    Framework,
    NarrativeAnswer,
    NumericAnswer,
    RatingAnswer,
    Source,
    Standard,
    YesNoAnswer,
)
from safeguard_qa.models.outcomes import Outcome, Outcomes
from safeguard_qa.models.policy import Bands, Policy, Rollup, RuleConfig, Severity
from safeguard_qa.models.results import (
    AgencyRef,
    CriterionResult,
    Evaluation,
    Flag,
    FrameworkRef,
    Ratings,
    StandardResult,
)
from safeguard_qa.models.returns import (
    Action,
    Agency,
    EvidenceItem,
    Period,
    Response,
    Return,
    SignOff,
)
from safeguard_qa.models.scale import NA, RAG, Level, Scale

__all__ = [
    "NA",
    "RAG",
    "Action",
    "Agency",
    "AgencyRef",
    "Bands",
    "Criterion",
    "CriterionResult",
    "Evaluation",
    "EvidenceItem",
    "Flag",
    "Framework",
    "FrameworkRef",
    "Level",
    "NarrativeAnswer",
    "NumericAnswer",
    "Outcome",
    "Outcomes",
    "Period",
    "Policy",
    "RatingAnswer",
    "Ratings",
    "Response",
    "Return",
    "Rollup",
    "RuleConfig",
    "Scale",
    "Severity",
    "SignOff",
    "Source",
    "Standard",
    "StandardResult",
    "YesNoAnswer",
]
