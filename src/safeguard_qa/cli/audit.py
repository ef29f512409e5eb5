"""The audit command: validate case-file audit files, write the findings report, the learning
briefing and the agency reviewer's form."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from safeguard_qa.cli import ExitCode, exit_code
from safeguard_qa.cli.common import check_not_inputs, example, registry_from, write_output
from safeguard_qa.errors import InputError, Problem
from safeguard_qa.loaders.files import format_of, load_document
from safeguard_qa.models.policy import Severity
from safeguard_qa.plugins import Registry

FORMATS = ("html", "markdown", "json")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "audit",
        help="multi-agency case-file audits: validate, findings report, learning briefing",
        description="Check case-file audit files and write the audit findings report, the "
        "one-page learning briefing and the agency reviewer's Excel form.",
        epilog=example(
            "safeguard-qa audit validate examples/audit/2025-neglect.yaml",
            "safeguard-qa audit report examples/audit/2025-neglect.yaml -o findings.html",
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    raw = argparse.RawDescriptionHelpFormatter

    validate = actions.add_parser(
        "validate",
        formatter_class=raw,
        help="check audit rounds, programmes, surveys, mappings and filled-in reviewer forms",
        description="Check audit files: rounds, programmes, practitioner surveys, criterion "
        "mappings and filled-in\nreviewer forms. Every problem is reported with its place; "
        "text that looks like personal data\n(a name, a date of birth, an NHS number, an "
        "address, a postcode) is refused without repeating it.\nExit 2 on errors, 1 on "
        "warnings only, 0 when clean.",
        epilog=example(
            "safeguard-qa audit validate examples/audit/2025-neglect.yaml",
            "safeguard-qa audit validate review-police.xlsx --tool macfa-practice",
        ),
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument(
        "--tool",
        default="macfa-practice",
        help="the audit tool filled-in reviewer forms are graded on (default: macfa-practice)",
    )
    validate.set_defaults(func=cmd_validate)

    descriptions = {
        "report": "The audit findings for one round: per domain, agency and theme the share of "
        "cases graded good\nor better and the change since the previous round, how often "
        "agencies' own grades agree\nwith the agreed grades, and the audit flags. Figures "
        "resting on fewer children than\n--suppress-below are withheld.",
        "briefing": "The one-page learning briefing for front-line teams: what we looked at, "
        "what we found,\nwhat good looks like, what to do differently, questions for "
        "supervision.",
    }
    for name, helptext, func in (
        ("report", "the audit findings report for one round", cmd_report),
        ("briefing", "the one-page learning briefing for front-line teams", cmd_briefing),
    ):
        command = actions.add_parser(
            name,
            formatter_class=raw,
            help=helptext,
            description=descriptions[name],
            epilog=example(
                f"safeguard-qa audit {name} examples/audit/2025-neglect.yaml "
                "--previous examples/audit/2024-neglect.yaml --format markdown -o out.md"
            ),
        )
        command.add_argument("round", type=Path, metavar="ROUND", help="the audit round file")
        command.add_argument(
            "--previous", type=Path, help="the previous round on the same theme, for the change"
        )
        command.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help="judge overdue items on this date (default: the meeting date, else the round end)",
        )
        command.add_argument(
            "--suppress-below",
            type=int,
            default=5,
            help="withhold figures resting on fewer children than this (default: 5)",
        )
        command.add_argument("--format", choices=FORMATS, default="html")
        command.add_argument("-o", "--output", type=Path, help="write to this file")
        if name == "report":
            command.add_argument(
                "--fail-on",
                choices=[s.value for s in Severity],
                help="exit 1 when an audit flag is at or above this severity",
            )
        command.set_defaults(func=func)

    template = actions.add_parser(
        "template",
        formatter_class=raw,
        help="the reviewer's Excel form for one agency",
        description="The Excel form an agency's reviewer fills in for a round: one sheet per "
        "case, the domains as\nrows with a drop-down of the grades, and room for evidence, "
        "strengths and gaps.",
        epilog=example(
            "safeguard-qa audit template examples/audit/2025-neglect.yaml "
            "--agency northshire-police -o review.xlsx"
        ),
    )
    template.add_argument("round", type=Path, metavar="ROUND", help="the audit round file")
    template.add_argument("--agency", required=True, help="the agency id the form is for")
    template.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx to write")
    template.set_defaults(func=cmd_template)


def cmd_validate(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    errors = warnings = 0
    for path in args.files:
        problems = _problems(path, registry, args.tool)
        for problem in problems:
            print(problem, file=sys.stderr)
        if any(p.level == "error" for p in problems):
            errors += 1
        elif problems:
            warnings += 1
        else:
            print(f"{path}: ok")
    return exit_code(bad_input=errors > 0, flags_at_or_above=0, warnings=warnings)


def _problems(path: Path, registry: Registry, tool: str) -> list[Problem]:
    from safeguard_qa.audit.loaders import (
        check_mapping,
        load_mapping,
        load_programme,
        load_survey,
        validated_round,
    )

    """Every problem of one audit file, of whichever kind it is."""
    try:
        if format_of(path) == "xlsx":
            return _form_problems(path, registry, tool)
        kind = _kind(path)
        if kind == "round":
            return validated_round(path, registry)[2]
        if kind == "programme":
            load_programme(path)
        elif kind == "survey":
            load_survey(path)
        else:
            return check_mapping(load_mapping(path), registry, str(path))
    except InputError as exc:
        return list(exc.problems)
    return []


def _kind(path: Path) -> str:
    from safeguard_qa.audit.loaders import (
        AuditError,
    )

    """What an audit file is, told by its top-level keys."""
    data = load_document(path)
    keys = set(data) if isinstance(data, dict) else set()
    for kind, marker in (
        ("round", "round"),
        ("programme", "rounds"),
        ("survey", "questions"),
        ("mapping", "links"),
    ):
        if marker in keys:
            return kind
    raise AuditError.single(
        str(path),
        "",
        "cannot tell what this audit file is: expected an audit round (round:), a programme "
        "(rounds:), a survey (questions:) or a mapping (links:)",
    )


def _form_problems(path: Path, registry: Registry, tool_id: str) -> list[Problem]:
    from safeguard_qa.audit.loaders import (
        tool_scale,
    )
    from safeguard_qa.audit.workbook import read_reviewer_form

    tool = registry.framework(tool_id, file=str(path))
    read_reviewer_form(path, tool_scale(tool, registry))
    return []


def _findings(args: argparse.Namespace) -> tuple[Any, Registry, dt.date]:
    from safeguard_qa.audit.api import audit_findings, round_date
    from safeguard_qa.audit.loaders import (
        AuditError,
        validated_round,
    )

    if args.suppress_below < 1:
        raise AuditError.single("--suppress-below", "", "expected a whole number of 1 or more")
    registry = registry_from(args)
    inputs = [args.round, *([args.previous] if args.previous else [])]
    check_not_inputs(args.output, inputs)
    audit = validated_round(args.round, registry)[0]
    previous = validated_round(args.previous, registry)[0] if args.previous else None
    as_of = args.as_of or round_date(audit)
    findings = audit_findings(
        audit,
        registry=registry,
        previous=previous,
        as_of=as_of,
        suppress_below=args.suppress_below,
    )
    return findings, registry, as_of


def cmd_report(args: argparse.Namespace) -> int:
    from safeguard_qa.audit.api import render_findings

    findings, _, as_of = _findings(args)
    write_output(args.output, render_findings(findings, args.format, as_of=as_of))
    if args.fail_on is None:
        return ExitCode.OK
    floor = Severity(args.fail_on).rank
    raised = sum(flag.severity.rank >= floor for flag in findings.flags)
    return exit_code(bad_input=False, flags_at_or_above=raised)


def cmd_briefing(args: argparse.Namespace) -> int:
    from safeguard_qa.audit.api import learning_briefing, render_briefing

    findings, registry, _ = _findings(args)
    brief = learning_briefing(findings, registry=registry)
    write_output(args.output, render_briefing(brief, args.format))
    return ExitCode.OK


def cmd_template(args: argparse.Namespace) -> int:
    from safeguard_qa.audit.loaders import (
        AuditError,
        audit_tool,
        tool_scale,
        validated_round,
    )
    from safeguard_qa.audit.workbook import reviewer_form

    registry = registry_from(args)
    check_not_inputs(args.output, [args.round])
    if args.output.suffix.lower() != ".xlsx":
        raise AuditError.single(str(args.output), "", "expected an .xlsx file name for the form")
    audit = validated_round(args.round, registry)[0]
    tool = audit_tool(audit, registry, str(args.round))
    write_output(args.output, reviewer_form(audit, tool, tool_scale(tool, registry), args.agency))
    return ExitCode.OK
