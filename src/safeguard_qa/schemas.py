"""The JSON Schemas of the inputs and outputs, generated from the models.

Committed copies live in ``schemas/`` at the top of the repository; a test fails when
they are stale (``make schemas`` rewrites them).
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.audit import AuditFindings, AuditRound, CriterionMapping, Programme, Survey
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.partnership import ExpectedAgencies
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return

SCHEMAS: dict[str, type[BaseModel]] = {
    "framework": Framework,
    "return": Return,
    "policy": Policy,
    "outcomes": Outcomes,
    "expected-agencies": ExpectedAgencies,
    "evaluation": Evaluation,
    "partnership": PartnershipReport,
    "audit-round": AuditRound,
    "audit-programme": Programme,
    "audit-survey": Survey,
    "audit-mapping": CriterionMapping,
    "audit-findings": AuditFindings,
}

OUTPUTS = {"evaluation", "partnership", "audit-findings"}
"""Schemas of what safeguard-qa writes (serialisation mode); the rest are of what it reads."""


def schema_text(name: str) -> str:
    model = SCHEMAS[name]
    if name in OUTPUTS:
        schema = model.model_json_schema(mode="serialization")
    else:
        schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://safeguard-qa.invalid/schemas/{name}.schema.json"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
