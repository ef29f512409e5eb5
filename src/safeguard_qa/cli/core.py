"""Commands: standards, validate, evaluate, plugins, schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tabulate import tabulate

from safeguard_qa.api import iter_evaluations
from safeguard_qa.cli import ExitCode, exit_code
from safeguard_qa.cli.common import (
    check_not_inputs,
    expand_inputs,
    progress,
    registry_from,
    track,
    write_output,
)
from safeguard_qa.engine import Engine
from safeguard_qa.errors import InputError
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import INPUT_FORMATS, check_return, load_return
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import Evaluation
from safeguard_qa.report.base import RenderOptions

SCHEMA_NAMES = (
    "evaluation",
    "expected-agencies",
    "framework",
    "outcomes",
    "partnership",
    "policy",
    "return",
)
"""As ``safeguard_qa.schemas.SCHEMAS`` (a test keeps them equal), without importing every model."""


def add_parser(sub: Any) -> None:
    standards = sub.add_parser("standards", help="list installed frameworks or show one")
    standards_sub = standards.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = standards_sub.add_parser("list", help="the installed frameworks")
    listing.set_defaults(func=cmd_standards_list)
    show = standards_sub.add_parser("show", help="one framework's standards and criteria")
    show.add_argument("framework", help="framework id")
    show.add_argument("--version", help="framework version (default: the newest)")
    show.set_defaults(func=cmd_standards_show)

    validate = sub.add_parser("validate", help="check returns against their frameworks")
    validate.add_argument(
        "returns", nargs="+", type=Path, metavar="RETURN", help="files or folders"
    )
    validate.add_argument("--input-format", choices=INPUT_FORMATS)
    validate.set_defaults(func=cmd_validate)

    evaluate = sub.add_parser(
        "evaluate",
        help="score returns and raise challenge flags (returns given together are peers)",
    )
    evaluate.add_argument(
        "returns", nargs="+", type=Path, metavar="RETURN", help="files or folders"
    )
    evaluate.add_argument("--policy", type=Path, help="policy YAML (default: the built-in policy)")
    evaluate.add_argument(
        "--previous",
        type=Path,
        action="append",
        default=[],
        help="the previous return(s) or folder, matched by agency id; repeatable",
    )
    evaluate.add_argument("--outcomes", type=Path, help="challenge outcomes YAML")
    evaluate.add_argument(
        "--format", default="table", help="output format (see 'safeguard-qa plugins')"
    )
    evaluate.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    evaluate.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default="high",
        help="exit 1 when any open flag is at or above this severity (default: high)",
    )
    evaluate.add_argument("--input-format", choices=INPUT_FORMATS)
    evaluate.set_defaults(func=cmd_evaluate)

    plugins = sub.add_parser("plugins", help="list plugins and what each provides")
    plugins.set_defaults(func=cmd_plugins)

    schema = sub.add_parser("schema", help="print the JSON Schema of an input or output")
    schema.add_argument("name", nargs="?", choices=SCHEMA_NAMES, help="which schema")
    schema.add_argument("--write", type=Path, metavar="DIR", help="write every schema into DIR")
    schema.set_defaults(func=cmd_schema)


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
    fw = registry.framework(args.framework, args.version)
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
    return ExitCode.OK


def cmd_validate(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    paths = expand_inputs(args.returns, args.input_format)
    errors = 0
    warnings = 0
    for path in progress(paths, "validating"):
        try:
            ret = load_return(path, input_format=args.input_format, registry=registry)
            problems = check_return(ret, registry, str(path))
        except InputError as exc:
            problems = list(exc.problems)
        for problem in problems:
            print(problem, file=sys.stderr)
        errors += sum(1 for p in problems if p.level == "error")
        warnings += sum(1 for p in problems if p.level == "warning")
        if not problems:
            print(f"{path}: ok")
    return exit_code(bad_input=errors > 0, flags_at_or_above=0, warnings=warnings)


def cmd_evaluate(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    renderer = registry.renderers.get(args.format)
    if renderer is None or renderer.evaluations is None:
        formats = sorted(n for n, r in registry.renderers.items() if r.evaluations)
        raise InputError.single(
            "--format", "", f"unknown format {args.format!r}; expected one of {', '.join(formats)}"
        )
    paths = expand_inputs(args.returns, args.input_format)
    previous_paths = expand_inputs(args.previous, args.input_format) if args.previous else []
    settings = [p for p in (args.policy, args.outcomes) if p is not None]
    check_not_inputs(args.output, [*paths, *previous_paths, *settings])
    policy = load_policy(args.policy, registry) if args.policy else None
    outcomes = load_outcomes(args.outcomes) if args.outcomes else None
    engine = Engine(registry, policy, policy_file=str(args.policy or "policy"))
    fail_on = Severity(args.fail_on)
    options = RenderOptions(fail_on=fail_on)
    failing = 0

    def counted(evaluations: Iterable[Evaluation]) -> Iterator[Evaluation]:
        nonlocal failing
        for ev in evaluations:
            failing += sum(
                1 for f in ev.flags if f.status != "dismissed" and f.severity.rank >= fail_on.rank
            )
            yield ev

    evaluations = counted(
        track(
            iter_evaluations(
                paths,
                engine=engine,
                previous_paths=previous_paths,
                outcomes=outcomes,
                input_format=args.input_format,
            ),
            len(paths),
            "evaluating",
        )
    )
    if renderer.stream is not None:
        write_output(args.output, renderer.stream(evaluations, len(paths), options))
    else:
        write_output(args.output, renderer.evaluations(list(evaluations), options))
    return exit_code(bad_input=False, flags_at_or_above=failing)


def cmd_plugins(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    registry.frameworks()  # read the framework files, so they are listed by id and version
    rows = []
    for info in registry.plugins:
        provides = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in info.provides.items())
        rows.append(
            [
                info.name,
                info.version,
                info.source,
                (info.error and f"FAILED: {info.error}") or provides,
            ]
        )
    print(
        tabulate(
            rows,
            headers=["Plugin", "Version", "From", "Provides"],
            maxcolwidths=[None, None, None, 80],
        )
    )
    return ExitCode.OK


def cmd_schema(args: argparse.Namespace) -> int:
    from safeguard_qa.schemas import SCHEMAS, schema_text

    if args.write is not None:
        args.write.mkdir(parents=True, exist_ok=True)
        for name in sorted(SCHEMAS):
            write_output(args.write / f"{name}.schema.json", schema_text(name))
        return ExitCode.OK
    if args.name is None:
        raise InputError.single("schema", "", f"name a schema: {', '.join(sorted(SCHEMAS))}")
    sys.stdout.write(schema_text(args.name))
    return ExitCode.OK
