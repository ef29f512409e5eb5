"""Build complete, clean returns for any installed framework, as plain data to tweak in tests.

A clean return answers every applicable criterion at a green level with dated evidence and
no actions, is signed off by a chief executive and submitted before the deadline: no
built-in rule flags it. Tests then change one thing and look for the one flag it causes.
"""

from __future__ import annotations

import copy
from typing import Any

from safeguard_qa.models.framework import Framework
from safeguard_qa.models.returns import Return
from safeguard_qa.models.scale import RAG
from safeguard_qa.plugins import Registry

PERIOD = {"start": "2024-04-01", "end": "2025-03-31"}
AGENCY_TYPES = {
    "s11-wt2023": "police",
    "s11-key-features": "police",
    "s175-kcsie": "school_maintained",
}


def green_level(registry: Registry, framework: Framework, criterion_id: str) -> str | None:
    scale = registry.scale_for(framework, framework.criteria[criterion_id])
    if scale is None:
        return None
    return next(lv.id for lv in scale.levels if lv.rag is RAG.GREEN)


def clean_response(registry: Registry, framework: Framework, criterion_id: str) -> dict[str, Any]:
    criterion = framework.criteria[criterion_id]
    response: dict[str, Any] = {
        "criterion": criterion_id,
        "commentary": f"Position on {criterion_id} reviewed by the safeguarding lead this year.",
        "evidence": [
            {
                "description": f"Audit report covering {criterion_id}, presented to the board",
                "reference": f"DOC-{criterion_id}",
                "date": "2025-02-01",
            }
        ],
    }
    answer = criterion.answer
    if answer.type == "numeric":
        response["value"] = answer.green
    elif answer.type != "narrative":
        response["rating"] = green_level(registry, framework, criterion_id)
    return response


def clean_return_data(
    registry: Registry,
    framework_id: str = "s11-wt2023",
    *,
    agency_id: str = "agency-a",
    agency_type: str | None = None,
    statutory: bool = True,
) -> dict[str, Any]:
    framework = registry.framework(framework_id)
    agency_type = agency_type or AGENCY_TYPES.get(framework_id, "police")
    responses = [
        clean_response(registry, framework, c.id)
        for s in framework.standards
        for c in s.criteria
        if c.applies(agency_type, None)
    ]
    return {
        "framework": framework.id,
        "framework_version": framework.version,
        "agency": {
            "id": agency_id,
            "name": f"Agency {agency_id}",
            "type": agency_type,
            "statutory": statutory,
        },
        "period": dict(PERIOD),
        "deadline": "2025-05-31",
        "submitted": "2025-05-15",
        "sign_off": {"name": "A. Person", "role": "Chief Executive", "date": "2025-05-10"},
        "responses": responses,
    }


def with_changes(data: dict[str, Any], changes: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``data`` with top-level fields set and responses changed.

    ``changes["responses"]`` maps a criterion id to the fields to set on its response
    (a field set to None is removed), or to None to remove the response altogether.
    Other keys replace top-level fields (None removes the field).
    """
    result = copy.deepcopy(data)
    for key, value in (changes or {}).items():
        if key == "responses":
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    for criterion_id, fields in ((changes or {}).get("responses") or {}).items():
        index = next(
            (i for i, r in enumerate(result["responses"]) if r["criterion"] == criterion_id), None
        )
        if fields is None:
            if index is not None:
                del result["responses"][index]
            continue
        if index is None:
            result["responses"].append({"criterion": criterion_id})
            index = len(result["responses"]) - 1
        response = result["responses"][index]
        for field, value in fields.items():
            if value is None:
                response.pop(field, None)
            else:
                response[field] = value
    return result


def build(data: dict[str, Any]) -> Return:
    return Return.model_validate(data)
