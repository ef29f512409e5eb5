"""Blank returns for agencies to fill in, made from a framework.

A template holds only the criteria that apply to the agency type it is made for (every
criterion when no type is given). The YAML template carries each criterion's text, how it
is rated and its evidence prompts as comments; the XLSX one adds drop-down lists; all of
them read back with ``load_return`` once filled in.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING

from safeguard_qa.errors import InputError
from safeguard_qa.io.csvfile import write_csv
from safeguard_qa.io.layout import Guide, blank_details, blank_responses, na_note
from safeguard_qa.io.xlsxfile import write_xlsx
from safeguard_qa.models.framework import Criterion, Framework

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

TEMPLATE_FORMATS = ("yaml", "csv", "xlsx")
SPARE_ROWS = 100
WIDTH = 96


def write_template(
    framework: Framework, registry: Registry, fmt: str, agency_type: str | None = None
) -> str | bytes:
    """A blank return for ``framework`` in ``fmt`` (yaml, csv or xlsx)."""
    check_agency_type(framework, agency_type)
    guide = Guide.build(framework, registry)
    responses = blank_responses(framework, agency_type)
    if not responses:
        raise InputError.single(
            "--agency-type", "", f"no criterion of {framework.id} applies to {agency_type!r}"
        )
    if fmt == "yaml":
        return yaml_template(guide, agency_type)
    details = blank_details(framework, agency_type)
    if fmt == "csv":
        return write_csv(details, responses, guide)
    if fmt == "xlsx":
        return write_xlsx(details, responses, guide, spare_rows=SPARE_ROWS)
    raise InputError.single(
        "--format", "", f"unknown template format {fmt!r}; expected one of {TEMPLATE_FORMATS}"
    )


def check_agency_type(framework: Framework, agency_type: str | None) -> None:
    """The framework must be meant for the agency type (when it says whom it is for)."""
    if agency_type is None or not framework.applies_to:
        return
    if agency_type not in framework.applies_to:
        raise InputError.single(
            "--agency-type",
            "",
            f"framework {framework.id} is for {', '.join(framework.applies_to)}; "
            f"found {agency_type!r}",
        )


def yaml_template(guide: Guide, agency_type: str | None) -> str:
    """The blank return as YAML, explained in comments."""
    return "\n".join([*_yaml_head(guide, agency_type), *_yaml_responses(guide, agency_type)]) + "\n"


def _q(value: str) -> str:
    """A YAML scalar for ``value``: JSON strings are valid double-quoted YAML."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str, indent: str = "", first: str = "", rest: str = "") -> list[str]:
    """``text`` wrapped into comment lines."""
    lines = textwrap.wrap(
        text,
        width=WIDTH - len(indent),
        initial_indent=f"{indent}# {first}",
        subsequent_indent=f"{indent}# {rest}",
    )
    return lines or [f"{indent}#"]


def _yaml_head(guide: Guide, agency_type: str | None) -> list[str]:
    fw = guide.framework
    types = ", ".join(fw.applies_to) or "any"
    lines = [
        *_comment(f"{fw.title} ({fw.id} {fw.version})"),
        *_comment(
            f"A blank return for {agency_type or 'any agency type'}. Fill in each empty value "
            '("" or null), then check the file with: safeguard-qa validate FILE'
        ),
        *_comment(
            "Dates are written YYYY-MM-DD. Put text in double quotes when it holds a colon, "
            "a # or a quote, or use a | block for several lines."
        ),
    ]
    for scale in guide.used_scales():
        lines += ["#", *_comment(f"Ratings on the {scale.id} scale ({scale.title}):")]
        for level in scale.levels:
            meaning = f"{level.label}: {level.description}" if level.description else level.label
            lines += _comment(meaning, first=f"  {level.id:<22}", rest=" " * 24)
        lines += _comment(na_note(scale), first="  ", rest="  ")
    lines += [
        f"framework: {_q(fw.id)}",
        f"framework_version: {_q(fw.version)}",
        "agency:",
        '  id: ""  # a short id without spaces, e.g. police-north',
        '  name: ""',
        f"  type: {_q(agency_type) if agency_type else 'null'}  # one of: {types}",
        "  sector: null  # optional",
        "  statutory: true  # false for an agency with no statutory duty (N/A may then be used)",
        "period:",
        "  start: null  # YYYY-MM-DD",
        "  end: null",
        "deadline: null",
        "submitted: null",
        "sign_off:  # who signed the return off; the name is never shown in reports",
        '  name: ""',
        '  role: ""',
        "  date: null",
        "responses:",
    ]
    return lines


def _yaml_responses(guide: Guide, agency_type: str | None) -> Iterator[str]:
    for standard in guide.framework.standards:
        criteria = [
            c for c in standard.criteria if agency_type is None or c.applies(agency_type, None)
        ]
        if not criteria:
            continue
        yield "  #"
        yield f"  # ==== {standard.id} {standard.title} ===="
        for criterion in criteria:
            yield from _yaml_response(guide, criterion)


def _yaml_response(guide: Guide, criterion: Criterion) -> Iterator[str]:
    yield "  #"
    yield from _comment(criterion.text.strip(), "  ", f"{criterion.id}: ", " " * 4)
    if criterion.applies_to:
        yield from _comment(f"(asked of {', '.join(criterion.applies_to)})", "  ", "  ", "  ")
    for prompt in criterion.evidence_prompts:
        yield from _comment(prompt, "  ", "  evidence: ", " " * 12)
    if criterion.descriptors:
        below = " (each includes the ones below)" if criterion.descriptors_cumulative else ""
        yield f"  #   levels{below}:"
        for level, text in criterion.descriptors.items():
            yield from _comment(text.strip(), "  ", f"    {level}: ", " " * (6 + len(level)))
    if criterion.references:
        yield from _comment("; ".join(criterion.references), "  ", "  references: ", " " * 14)
    yield f"  - criterion: {_q(criterion.id)}"
    answer = criterion.answer
    ratings = guide.ratings(criterion.id)
    if ratings:
        yield f"    rating: null  # {', '.join(ratings)}"
    if answer.type == "numeric":
        unit = "a percentage" if answer.unit == "percent" else "a count"
        yield f"    value: null  # {unit}; green at {answer.green:g}, amber at {answer.amber:g}"
    yield '    commentary: ""'
    yield '    evidence: []  # - {description: "...", reference: "...", date: 2025-01-31}'
    yield (
        '    actions: []  # - {description: "...", owner: "...", due: 2025-06-30, '
        "status: not_started}"
    )
