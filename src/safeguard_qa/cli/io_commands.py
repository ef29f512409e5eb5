"""Commands for returns in and out: template."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from safeguard_qa.cli import ExitCode
from safeguard_qa.cli.common import example, plural, registry_from, write_output, wrote

if TYPE_CHECKING:
    from safeguard_qa.cli import Commands

TEMPLATE_FORMATS = ("yaml", "csv", "xlsx")  # as safeguard_qa.io.template, without importing it


def add_parser(commands: Commands) -> None:
    template = commands.add_parser(
        "template",
        help="write a blank return for agencies to fill in (YAML, CSV or Excel)",
        description="Write a blank return for a framework, holding only the criteria that "
        "apply to the agency type.\nAgencies fill it in; 'validate' and 'evaluate' read it "
        "back. The framework is an installed id\nor the path of a framework file.",
        epilog=example(
            "safeguard-qa template s11-wt2023 --agency-type police -o police-return.xlsx",
            "safeguard-qa template standards/my-framework.yaml --format yaml > return.yaml",
        ),
    )
    template.add_argument(
        "framework",
        metavar="FRAMEWORK",
        help="a framework id (see 'safeguard-qa standards list') or file",
    )
    template.add_argument("--version", help="framework version (default: the newest)")
    template.add_argument(
        "--format",
        choices=TEMPLATE_FORMATS,
        help="default: from the -o file's extension, else yaml",
    )
    template.add_argument("--agency-type", metavar="TYPE", help="e.g. police, health, academy")
    template.add_argument("-o", "--output", type=Path, help="write to this file (xlsx needs one)")
    template.set_defaults(func=cmd_template)


def cmd_template(args: argparse.Namespace) -> int:
    from safeguard_qa.io.template import write_template  # openpyxl: only when asked for

    registry = registry_from(args)
    framework = registry.resolve_framework(args.framework, args.version)
    fmt = args.format or _format_of(args.output)
    write_output(args.output, write_template(framework, registry, fmt, args.agency_type))
    criteria = [
        c
        for c in framework.criteria.values()
        if args.agency_type is None or c.applies(args.agency_type, None)
    ]
    wrote(
        args.output,
        f"{fmt}, {framework.id} {framework.version}, {plural(len(criteria), 'criterion')}",
    )
    return ExitCode.OK


def _format_of(output: Path | None) -> str:
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    suffix = {"yml": "yaml"}.get(suffix, suffix)
    return suffix if suffix in TEMPLATE_FORMATS else "yaml"
