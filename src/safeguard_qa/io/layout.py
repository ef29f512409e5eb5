"""What a tabular return holds: the return's details, and the columns of each kind of row.

CSV and XLSX returns share these definitions, so the two layouts cannot drift apart.
A ``Guide`` (the framework, and each criterion's scale) is optional: with it, writers add the
criterion text, evidence prompts and rating drop-downs; without it they write the bare return.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from safeguard_qa.models.framework import Framework
from safeguard_qa.models.returns import Response, Return
from safeguard_qa.models.scale import NA, Scale

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

FieldKind = Literal["id", "rating", "text", "date", "number", "bool", "status"]
RecordKind = Literal["response", "evidence", "action"]
RECORD_KINDS: tuple[RecordKind, ...] = ("response", "evidence", "action")
ACTION_STATUSES = ("not_started", "in_progress", "complete")
NA_DISPLAY = "N/A"


@dataclass(frozen=True, slots=True)
class Field:
    """One value a return holds. ``key`` is the model field (dotted for nested details)."""

    key: str
    label: str
    kind: FieldKind
    width: int = 14


RETURN_FIELDS: tuple[Field, ...] = (
    Field("framework", "Framework id", "id"),
    Field("framework_version", "Framework version", "id"),
    Field("agency.id", "Agency id (short, no spaces, e.g. police-north)", "id"),
    Field("agency.name", "Agency name", "text"),
    Field("agency.type", "Agency type", "id"),
    Field("agency.sector", "Sector (optional)", "id"),
    Field("agency.statutory", "Under a statutory safeguarding duty? (yes / no)", "bool"),
    Field("period.start", "Period start", "date"),
    Field("period.end", "Period end", "date"),
    Field("deadline", "Deadline for the return", "date"),
    Field("submitted", "Date submitted", "date"),
    Field("sign_off.name", "Signed off by (name)", "text"),
    Field("sign_off.role", "Signed off by (role)", "text"),
    Field("sign_off.date", "Date signed off", "date"),
)
RETURN_FIELD_BY_KEY = {f.key: f for f in RETURN_FIELDS}

RECORD_FIELDS: dict[RecordKind, tuple[Field, ...]] = {
    "response": (
        Field("criterion", "Ref", "id", 11),
        Field("rating", "Rating", "rating", 14),
        Field("value", "Figure", "number", 10),
        Field("commentary", "Commentary", "text", 60),
        Field("moderated", "Moderated rating (panel use)", "rating", 16),
    ),
    "evidence": (
        Field("criterion", "Ref", "id", 11),
        Field("description", "Evidence", "text", 60),
        Field("reference", "Document or link", "text", 30),
        Field("date", "Date", "date", 12),
    ),
    "action": (
        Field("criterion", "Ref", "id", 11),
        Field("description", "Action", "text", 50),
        Field("owner", "Owner (role)", "text", 22),
        Field("due", "Due", "date", 12),
        Field("status", "Status", "status", 14),
        Field("completed", "Completed on", "date", 13),
    ),
}

Details = Mapping[str, object]
"""A return's details by dotted key (``agency.name``); a missing or None value is blank."""


def details_of(ret: Return) -> dict[str, object]:
    """The return's details by dotted key, leaving out those that are not given."""
    data = ret.model_dump(exclude={"responses"})
    found: dict[str, object] = {}
    for field in RETURN_FIELDS:
        value: object = data
        for part in field.key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            found[field.key] = value
    return found


def blank_details(framework: Framework, agency_type: str | None) -> dict[str, object]:
    """The details of a blank return: every key, only the framework (and type) filled in."""
    details: dict[str, object] = dict.fromkeys(f.key for f in RETURN_FIELDS)
    details.update(
        {
            "framework": framework.id,
            "framework_version": framework.version,
            "agency.type": agency_type,
            "agency.statutory": True,
        }
    )
    return details


def blank_responses(framework: Framework, agency_type: str | None) -> list[Response]:
    """An empty response to every criterion that applies to the agency type (all without one)."""
    return [
        Response(criterion=criterion.id)
        for criterion in framework.criteria.values()
        if agency_type is None or criterion.applies(agency_type, None)
    ]


@dataclass(frozen=True, slots=True)
class Guide:
    """The framework a return answers, with each criterion's scale: what writers explain."""

    framework: Framework
    scales: Mapping[str, Scale | None]

    @classmethod
    def build(cls, framework: Framework, registry: Registry) -> Guide:
        return cls(
            framework,
            {c.id: registry.scale_for(framework, c) for c in framework.criteria.values()},
        )

    @classmethod
    def find(cls, ret: Return, registry: Registry | None) -> Guide | None:
        """The guide for ``ret`` when its framework is installed, else None."""
        if registry is None:
            return None
        for (fw_id, version), framework in registry.frameworks().items():
            if fw_id == ret.framework and version == ret.framework_version:
                return cls.build(framework, registry)
        return None

    def ratings(self, criterion_id: str, *, moderated: bool = False) -> list[str]:
        """The level ids a rating cell may hold, with ``na`` where the scale ever allows it.
        A numeric item is answered with its figure: it offers no self rating."""
        scale = self.scales.get(criterion_id)
        if scale is None or (not moderated and self._numeric(criterion_id)):
            return []
        allows_na = scale.na_allowed_for != "none" and not moderated
        return [*scale.level_ids(), *([NA] if allows_na else [])]

    def choices(self, criterion_id: str, *, moderated: bool = False) -> list[str]:
        """What a rating drop-down offers: each level as people know it ("Partially met",
        "1 - fully embedded"), then "N/A"; each reads back as its level id."""
        scale = self.scales.get(criterion_id)
        ids = self.ratings(criterion_id, moderated=moderated)
        if scale is None:
            return ids
        return [level_display(scale, level_id) for level_id in ids]

    def _numeric(self, criterion_id: str) -> bool:
        criterion = self.framework.criteria.get(criterion_id)
        return criterion is not None and criterion.answer.type == "numeric"

    def used_scales(self) -> list[Scale]:
        """Each scale the framework's criteria use, once, in first-use order."""
        seen: dict[str, Scale] = {}
        for scale in self.scales.values():
            if scale is not None:
                seen.setdefault(scale.id, scale)
        return list(seen.values())


def level_display(scale: Scale, level_id: str) -> str:
    """A level as a drop-down shows it: its label when the label spells its id ("Partially
    met" for partially_met) or starts with it ("1 - fully embedded"), else "id - label"."""
    if level_id == NA:
        return NA_DISPLAY
    level = scale.level(level_id)
    if level is None:
        return level_id
    label = " ".join(level.label.split())
    spelled = re.sub(r"[\s\-]+", "_", label).casefold() == level.id.casefold()
    if spelled or label.startswith(f"{level.id} - "):
        return label
    return f"{level.id} - {label}" if label else level.id


def na_note(scale: Scale) -> str:
    """Who may answer N/A on this scale, in words."""
    return {
        "none": "N/A is not allowed on this scale.",
        "non_statutory": "na (not applicable) may be used by non-statutory agencies only.",
        "all": "na (not applicable) may be used where an item does not apply.",
    }[scale.na_allowed_for]


def criterion_guide(guide: Guide, criterion_id: str) -> str:
    """One criterion's text, how it is answered and its evidence prompts, as plain lines."""
    criterion = guide.framework.criteria[criterion_id]
    lines = [criterion.text.strip()]
    answer = criterion.answer
    ratings = guide.ratings(criterion_id)
    if answer.type == "numeric":
        unit = "a percentage (0-100)" if answer.unit == "percent" else "a count"
        better = "or more" if answer.direction == "higher_is_better" else "or fewer"
        bands = f"green at {answer.green:g} {better}, amber at {answer.amber:g} {better}"
        lines.append(f"Figure: {unit}; {bands}.")
    elif answer.type == "narrative":
        lines.append("Answer in the commentary; this item takes no rating.")
    if ratings:
        lines.append(f"Rating: one of {', '.join(ratings)}.")
    if criterion.evidence_prompts:
        lines.append("Evidence to consider: " + "; ".join(criterion.evidence_prompts))
    if criterion.descriptors:
        below = " (each includes the ones below)" if criterion.descriptors_cumulative else ""
        lines.append(f"What each level looks like{below}:")
        lines += [f"  {level}: {text.strip()}" for level, text in criterion.descriptors.items()]
    if criterion.references:
        lines.append("References: " + "; ".join(criterion.references))
    return "\n".join(lines)
