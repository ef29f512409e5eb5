"""A small partnership's returns for two cycles, built from clean returns with planted
findings: the data the partnership, pack and outcomes tests share."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import yaml

from safeguard_qa.analysis.partnership import PartnershipReport, evaluate_partnership
from safeguard_qa.models.partnership import ExpectedAgencies
from safeguard_qa.models.policy import Policy
from safeguard_qa.plugins import Registry
from tests.factories import build, clean_return_data, with_changes

SIGNER = "Jane Q. Signer"
SCRIPT = "<script>alert('pwned')</script>"
INJECTION = '=HYPERLINK("http://evil.invalid") | refresh the accountability chart'

EXPECTED = {
    "partnership": "Northshire Safeguarding Children Partnership",
    "cycle": "2024-25",
    "agencies": [
        {"id": "police", "name": "Northshire Police", "type": "police"},
        {"id": "health", "name": "Northshire ICB", "type": "health"},
        {"id": "council", "name": "Northshire Council", "type": "local_authority"},
        {"id": "probation", "name": "Probation Service", "type": "probation"},
        {"id": "housing", "name": "Northshire Homes", "type": "housing", "statutory": False},
        {
            "id": "school",
            "name": "Northshire Primary School",
            "type": "school_maintained",
            "framework": "s175-kcsie",
        },
        {"id": "youth-justice", "name": "Youth Justice Service", "type": "youth_justice"},
    ],
}


def agency_data(
    registry: Registry,
    agency_id: str,
    changes: dict[str, Any] | None = None,
    *,
    framework: str = "s11-wt2023",
) -> dict[str, Any]:
    listed = next(a for a in EXPECTED["agencies"] if a["id"] == agency_id)  # type: ignore[index]
    data = clean_return_data(
        registry,
        framework,
        agency_id=agency_id,
        agency_type=listed["type"],
        statutory=listed.get("statutory", True),
    )
    data["agency"]["name"] = listed["name"]
    data["sign_off"]["name"] = SIGNER
    return with_changes(data, changes)


def this_cycle(registry: Registry) -> dict[str, dict[str, Any]]:
    """The 2024-25 returns, by agency id."""
    return {
        "police": agency_data(registry, "police"),
        "health": agency_data(
            registry,
            "health",
            {
                "responses": {
                    "S11-1.1": {
                        "rating": "amber",
                        "actions": [
                            {
                                "description": INJECTION,
                                "owner": "Head of Safeguarding",
                                "due": "2025-01-31",
                            }
                        ],
                    },
                    "S11-5.1": {
                        "rating": "amber",
                        "actions": [
                            {
                                "description": "Escalation training for all staff",
                                "owner": "Named nurse",
                                "due": "2025-09-30",
                            }
                        ],
                    },
                }
            },
        ),
        "council": agency_data(
            registry,
            "council",
            {
                "responses": {
                    "S11-5.1": {
                        "rating": "red",
                        "commentary": "Escalation route <b>not</b> | used",
                    },
                    "S11-2.1": {
                        "evidence": [
                            {
                                "description": f"{SCRIPT} DSL audit",
                                "reference": "DOC-1",
                                "date": "2020-01-01",
                            }
                        ]
                    },
                    "S11-1.3": {"evidence": []},
                }
            },
        ),
        "probation": agency_data(
            registry, "probation", {"submitted": "2025-07-02", "sign_off": None}
        ),
        "housing": agency_data(
            registry,
            "housing",
            {
                "responses": {
                    "S11-5.1": {
                        "rating": "amber",
                        "actions": [
                            {
                                "description": "Write an escalation guide",
                                "owner": "Housing lead",
                                "due": "2025-03-01",
                                "status": "complete",
                                "completed": "2025-02-20",
                            }
                        ],
                    }
                }
            },
        ),
        "school": agency_data(registry, "school", framework="s175-kcsie"),
    }


def a_year_earlier(data: Any) -> Any:
    """Every ISO date in ``data`` moved back one year."""
    if isinstance(data, dict):
        return {k: a_year_earlier(v) for k, v in data.items()}
    if isinstance(data, list):
        return [a_year_earlier(v) for v in data]
    if isinstance(data, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", data):
        return f"{int(data[:4]) - 1}{data[4:]}"
    return data


def last_cycle(registry: Registry) -> dict[str, dict[str, Any]]:
    """The 2023-24 returns: health was red on S11-1.1, council was clean."""
    health = agency_data(
        registry,
        "health",
        {
            "responses": {
                "S11-1.1": {
                    "rating": "red",
                    "actions": [
                        {"description": "Map accountability", "owner": "Head", "due": "2024-12-31"}
                    ],
                }
            }
        },
    )
    return {
        "police": a_year_earlier(agency_data(registry, "police")),
        "health": a_year_earlier(health),
        "council": a_year_earlier(agency_data(registry, "council")),
    }


def write_partnership(root: Path, registry: Registry) -> dict[str, Path]:
    paths = {
        "current": root / "2025",
        "previous": root / "2024",
        "expected": root / "expected.yaml",
    }
    for folder, returns in (
        (paths["current"], this_cycle(registry)),
        (paths["previous"], last_cycle(registry)),
    ):
        folder.mkdir(parents=True)
        for agency_id, data in returns.items():
            (folder / f"{agency_id}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    paths["expected"].write_text(yaml.safe_dump(EXPECTED), encoding="utf-8")
    return paths


def make_report(
    registry: Registry, *, policy: Policy | None = None, shuffle: int | None = None, **kwargs: Any
) -> PartnershipReport:
    current = [build(d) for d in this_cycle(registry).values()]
    previous = [build(d) for d in last_cycle(registry).values()]
    if shuffle is not None:
        random.Random(shuffle).shuffle(current)
        random.Random(shuffle + 1).shuffle(previous)
    return evaluate_partnership(
        current,
        registry=registry,
        policy=policy,
        expected=ExpectedAgencies.model_validate(EXPECTED),
        previous_returns=previous,
        **kwargs,
    )
