"""Keeping personal data out of case-file audit records.

An audit record names a child only by a pseudonymous case reference. Text that looks like a
name with a title, a date of birth, an NHS number, a street address or a postcode is refused
where it is written, and the message says what it looks like, never the text itself: the
error must not carry the personal data into a terminal, a log or a ticket.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

from safeguard_qa.models.base import Identifier, ShortText, Text

_STREET_WORDS = (
    "road|rd|street|st|lane|ln|avenue|ave|close|drive|dr|way|crescent|terrace|place|gardens|"
    "grove|court|mews|walk|row|square|hill|park|view|rise"
)

_CHECKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 10 digits, optionally spaced or dashed 3-3-4, as NHS numbers are written
    (re.compile(r"(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])"), "an NHS number"),
    # UK postcodes as written on letters (upper case; "KS2 1st" in a school's text is not one)
    (
        re.compile(
            r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
        ),
        "a postcode",
    ),
    (
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*[:\-]?\s*"
            r"\d{1,4}[/.\-\s]\w+[/.\-\s]\d{2,4}",
            re.IGNORECASE,
        ),
        "a date of birth",
    ),
    (
        re.compile(rf"\b\d+[a-z]?,?\s+(?:[A-Z][a-z']+\s+){{1,3}}(?i:{_STREET_WORDS})\b\.?", 0),
        "a street address",
    ),
    (
        re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z][a-z'\-]+"),
        "a person's name (a title followed by a name)",
    ),
)

GUIDANCE = (
    "audit records hold pseudonymous case references and roles only: remove names, dates of "
    "birth, NHS numbers, addresses and postcodes"
)


def personal_data_kind(text: str) -> str | None:
    """What ``text`` looks like when it seems to hold personal data, else None."""
    for pattern, kind in _CHECKS:
        if pattern.search(text):
            return kind
    return None


def _refuse_personal_data(text: object) -> object:
    # runs before the type's own checks, so that no other message quotes the text
    if not isinstance(text, str):
        return text
    kind = personal_data_kind(text)
    if kind is not None:
        raise ValueError(f"this text looks like {kind}; {GUIDANCE}")
    return text


SafeText = Annotated[Text, BeforeValidator(_refuse_personal_data)]
"""Free text in a case record (evidence, strengths, gaps, learning), refused when it looks
like personal data."""

SafeShortText = Annotated[ShortText, BeforeValidator(_refuse_personal_data)]
"""A role, an outcome, a short note: refused when it looks like personal data."""

_SYSTEM_NUMBER = re.compile(r"\d{5}")


def looks_identifying(value: str) -> bool:
    """Whether ``value`` (an id or a reference) must not be repeated in a message."""
    return bool(_SYSTEM_NUMBER.search(value)) or personal_data_kind(value) is not None


def _refuse_system_number(ref: object) -> object:
    if isinstance(ref, str | int) and _SYSTEM_NUMBER.search(str(ref)):
        raise ValueError(
            "this case reference looks like a case-system or NHS number (five or more digits "
            "in a row); use the audit's own pseudonymous reference, such as C-3"
        )
    return _refuse_personal_data(ref)


CaseRef = Annotated[Identifier, BeforeValidator(_refuse_system_number)]
"""A pseudonymous case reference (e.g. ``C-3``): never an NHS or case-system number."""
