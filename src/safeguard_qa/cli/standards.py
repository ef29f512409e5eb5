"""The standards command: list, show, check and start frameworks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tabulate import tabulate

from safeguard_qa.cli import ExitCode
from safeguard_qa.cli.common import (
    example,
    plural,
    registry_from,
    write_output,
    wrote,
)
from safeguard_qa.errors import InputError, Problem
from safeguard_qa.models.framework import Criterion
from safeguard_qa.plugins import FRAMEWORK_SUFFIXES

if TYPE_CHECKING:
    from safeguard_qa.cli import Commands

STARTER = "starter_framework.yaml"
"""The commented starter framework ``standards new`` writes (beside this module)."""


def add_parser(commands: Commands) -> None:
    standards = commands.add_group(
        "standards",
        help="list, show, check or start frameworks (sets of standards)",
        description="Frameworks are sets of standards as data: the built-in ones, those of "
        "installed plugins,\nthe framework files in ./standards, in --standards-dir DIR and "
        "in $SAFEGUARD_QA_STANDARDS.\nWherever a framework id is taken, the path of a "
        "framework file (.yaml, .yml, .json) works too.",
        epilog=example(
            "safeguard-qa standards list",
            "safeguard-qa standards show s175-kcsie",
            "safeguard-qa standards new -o my-framework.yaml",
            "safeguard-qa standards check my-framework.yaml",
        ),
    )
    listing = standards.add_parser(
        "list",
        help="the installed frameworks",
        description="List every installed framework: id, version, title, size and scale.",
        epilog=example("safeguard-qa standards list --standards-dir local-standards"),
    )
    listing.set_defaults(func=cmd_standards_list)
    show = standards.add_parser(
        "show",
        help="one framework's standards and criteria",
        description="Show one framework: its legal basis, sources, scale, and every standard "
        "with its criteria.",
        epilog=example(
            "safeguard-qa standards show s11-wt2023",
            "safeguard-qa standards show standards/my-framework.yaml",
        ),
    )
    show.add_argument("framework", metavar="FRAMEWORK", help="a framework id or file")
    show.add_argument("--version", help="framework version (default: the newest)")
    show.set_defaults(func=cmd_standards_show)
    check = standards.add_parser(
        "check",
        help="check framework files, reporting every problem at once",
        description="Check framework files (or the framework files in folders) against the "
        "framework model and\nthe installed scales. Every problem of every file is reported "
        "with its place, then a summary line.\nExit 2 when any file has errors, 0 when all "
        "are clean.",
        epilog=example("safeguard-qa standards check standards/*.yaml"),
    )
    check.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="framework files or folders"
    )
    check.set_defaults(func=cmd_standards_check)
    new = standards.add_parser(
        "new",
        help="write a commented starter framework to edit",
        description="Write a starter framework YAML with every field explained in comments: "
        "two standards,\na rating item with descriptors per level, a yes/no item and a "
        "numeric item with thresholds.\nEdit it, check it with 'standards check', and turn "
        "it into a return with 'template'.",
        epilog=example(
            "safeguard-qa standards new -o standards/my-framework.yaml",
            "safeguard-qa standards check standards/my-framework.yaml",
        ),
    )
    new.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    new.set_defaults(func=cmd_standards_new)


def cmd_standards_list(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    rows = [
        [
            fw.id,
            fw.version,
            fw.title,
            len(fw.standards),
            len(fw.criteria),
            fw.scale if isinstance(fw.scale, str) else fw.scale.id,
        ]
        for _, fw in sorted(registry.frameworks().items())
    ]
    print(tabulate(rows, headers=["Id", "Version", "Title", "Standards", "Criteria", "Scale"]))
    return ExitCode.OK


def cmd_standards_show(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    fw = registry.resolve_framework(args.framework, args.version)
    scale = (
        registry.scale_for(fw, fw.standards[0].criteria[0])
        if isinstance(fw.scale, str)
        else fw.scale
    )
    print(f"{fw.title} ({fw.id} {fw.version})")
    print(f"Legal basis: {'; '.join(fw.legal_basis)}")
    for source in fw.sources:
        print(f"Source: {source.title} <{source.url}>")
    if scale is not None:
        levels = ", ".join(f"{lv.id} = {lv.label} ({lv.rag.value})" for lv in scale.levels)
        print(f"Scale: {scale.title}: {levels}")
    for standard in fw.standards:
        print(f"\n{standard.id}  {standard.title}")
        rows = [
            [
                c.id,
                c.text,
                c.answer.type,
                "yes" if c.statutory else "no",
                f"{c.weight:g}",
                ", ".join(c.applies_to) or "all",
                ", ".join(c.tags),
            ]
            for c in standard.criteria
        ]
        print(
            tabulate(
                rows,
                headers=[
                    "Criterion",
                    "Text",
                    "Answer",
                    "Statutory",
                    "Weight",
                    "Applies to",
                    "Tags",
                ],
                maxcolwidths=[None, 60, None, None, None, 20, 24],
            )
        )
        for criterion in standard.criteria:
            details = criterion_details(criterion)
            if details:
                print(f"  {criterion.id}:")
                print("\n".join(f"    {line}" for line in details))
    return ExitCode.OK


def criterion_details(criterion: Criterion) -> list[str]:
    """What a criterion says beyond its row: descriptors per level (cumulative or not), its
    references and its requirement."""
    lines = []
    if criterion.descriptors:
        how = " (each level includes the ones below)" if criterion.descriptors_cumulative else ""
        lines.append(f"descriptors{how}:")
        lines += [f"  {level}: {text.strip()}" for level, text in criterion.descriptors.items()]
    if criterion.references:
        lines.append(f"references: {'; '.join(criterion.references)}")
    if criterion.required_at_or_below is not None:
        need = criterion.required_at_or_below
        wants = [w for w, on in (("commentary", need.commentary), ("an action", need.action)) if on]
        lines.append(f"at or below {need.level}: requires {' and '.join(wants)}")
    return lines


def cmd_standards_check(args: argparse.Namespace) -> int:
    from safeguard_qa.loaders.framework import load_framework

    registry = registry_from(args)
    paths = framework_files(args.files)
    failed = 0
    for path in paths:
        try:
            framework = load_framework(path, registry)
        except InputError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(
            f"{path}: ok ({framework.id} {framework.version}, {len(framework.criteria)} criteria)"
        )
    print(
        f"{plural(len(paths), 'framework')}: {len(paths) - failed} ok, {failed} with errors",
        file=sys.stderr,
    )
    return ExitCode.BAD_INPUT if failed else ExitCode.OK


def framework_files(paths: list[Path]) -> list[Path]:
    """Files as given, and folders expanded to the framework files directly inside them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in FRAMEWORK_SUFFIXES
                )
            )
        else:
            found.append(path)
    if not found:
        raise InputError(
            [Problem(", ".join(map(str, paths)), "", "no framework files (.yaml, .yml, .json)")]
        )
    return found


def starter_framework() -> str:
    """The text of the commented starter framework."""
    return (Path(__file__).parent / STARTER).read_text(encoding="utf-8")


def cmd_standards_new(args: argparse.Namespace) -> int:
    if args.output is not None and args.output.exists() and args.output.is_file():
        raise InputError.single(
            str(args.output), "", "the file exists; give a new file name (nothing was written)"
        )
    write_output(args.output, starter_framework())
    wrote(args.output, "a starter framework: edit it, then run 'safeguard-qa standards check'")
    return ExitCode.OK
