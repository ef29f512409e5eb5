"""Commands: validate, evaluate, plugins, schema."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tabulate import tabulate

from safeguard_qa.api import iter_evaluations
from safeguard_qa.cli import ExitCode, exit_code
from safeguard_qa.cli.common import (
    check_not_inputs,
    example,
    expand_inputs,
    plural,
    progress,
    registry_from,
    timed,
    track,
    write_output,
    wrote,
)
from safeguard_qa.engine import Engine
from safeguard_qa.errors import InputError, Problem
from safeguard_qa.loaders.files import format_of
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import INPUT_FORMATS, check_return, load_return
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.policy import Severity
from safeguard_qa.models.results import Evaluation
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions

if TYPE_CHECKING:
    from safeguard_qa.cli import Commands

log = logging.getLogger("safeguard_qa.cli")

SCHEMA_NAMES = (
    "audit-findings",
    "audit-mapping",
    "audit-programme",
    "audit-round",
    "audit-survey",
    "evaluation",
    "expected-agencies",
    "framework",
    "outcomes",
    "partnership",
    "policy",
    "return",
)
"""As ``safeguard_qa.schemas.SCHEMAS`` (a test keeps them equal), without importing every model."""

EVALUATION_FORMATS = ("table", "json", "csv", "junit", "markdown", "xlsx")
"""The built-in formats of ``evaluate --format`` (a test keeps them equal to the registry's)."""


def add_parser(commands: Commands) -> None:
    validate = commands.add_parser(
        "validate",
        help="check returns against their frameworks",
        description="Check returns (files, or the return files in folders) against their "
        "frameworks. Every problem\nis reported with its file and place, then a summary "
        "line. Exit 2 when any return has errors,\n1 when there are only warnings, 0 when "
        "all are clean.",
        epilog=example(
            "safeguard-qa validate returns/",
            "safeguard-qa validate police.xlsx --receipt police-checked.xlsx",
        ),
    )
    validate.add_argument(
        "returns", nargs="+", type=Path, metavar="RETURN", help="files or folders"
    )
    validate.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help="read every file as this format (default: from its extension)",
    )
    validate.add_argument(
        "--receipt",
        type=Path,
        metavar="OUT.xlsx",
        help="with one .xlsx return: write the agency's workbook back with each problem "
        "highlighted on its cell and listed on a Problems sheet",
    )
    validate.set_defaults(func=cmd_validate)

    evaluate = commands.add_parser(
        "evaluate",
        help="score returns and raise challenge flags (returns given together are peers)",
        description="Score returns and raise challenge flags. Returns given together are "
        "evaluated as one\npartnership, so the peer rule compares them; --previous returns "
        "are matched by agency id.\nExit 1 when an open flag is at or above --fail-on, 2 on "
        "bad input.",
        epilog=example(
            "safeguard-qa evaluate returns/ --previous returns-2024/ --format json -o results.json",
            "safeguard-qa evaluate return.yaml --framework standards/my-framework.yaml",
        ),
    )
    evaluate.add_argument(
        "returns", nargs="+", type=Path, metavar="RETURN", help="files or folders"
    )
    evaluate.add_argument(
        "--framework",
        metavar="FRAMEWORK",
        help="the framework the returns answer: an installed id, or a framework file, which "
        "is installed for this run (every return must name its id)",
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
        "--format",
        default="table",
        help=f"{', '.join(EVALUATION_FORMATS)}, or a plugin's format (see 'safeguard-qa "
        "plugins'); default: table",
    )
    evaluate.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    evaluate.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default="high",
        help="exit 1 when any open flag is at or above this severity (default: high)",
    )
    evaluate.add_argument(
        "--keep-going",
        action="store_true",
        help="evaluate the returns that are fine even when others are refused; list the "
        "refused ones and their problems at the end and exit 2",
    )
    evaluate.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help="read every file as this format (default: from its extension)",
    )
    evaluate.set_defaults(func=cmd_evaluate)

    plugins = commands.add_parser(
        "plugins",
        help="list plugins and what each provides",
        description="List every plugin (built-in, installed, local) with its version, where "
        "it came from and\nwhat it provides; a plugin that failed to load is shown with why.",
        epilog=example("safeguard-qa --plugins-dir my-plugins plugins"),
    )
    plugins.set_defaults(func=cmd_plugins)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of an input or output",
        description="Print the JSON Schema of an input file or an output, or write them all "
        "into a folder\n(editors use them for completion and checking).",
        epilog=example(
            "safeguard-qa schema framework > framework.schema.json",
            "safeguard-qa schema --write schemas/",
        ),
    )
    schema.add_argument("name", nargs="?", choices=SCHEMA_NAMES, help="which schema")
    schema.add_argument("--write", type=Path, metavar="DIR", help="write every schema into DIR")
    schema.set_defaults(func=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    paths = expand_inputs(args.returns, args.input_format)
    if args.receipt is not None:
        check_receipt(args.receipt, paths, args.input_format)
    counts = {"ok": 0, "warnings": 0, "errors": 0}
    problems: list[Problem] = []
    with timed(f"validating {plural(len(paths), 'file')}"):
        for path in progress(paths, "validating"):
            problems = validation_problems(path, args.input_format, registry)
            for problem in problems:
                print(problem, file=sys.stderr)
            if any(p.level == "error" for p in problems):
                counts["errors"] += 1
            elif problems:
                counts["warnings"] += 1
            else:
                counts["ok"] += 1
                print(f"{path}: ok")
    print(
        f"{plural(len(paths), 'file')}: {counts['ok']} ok, {counts['warnings']} with warnings, "
        f"{counts['errors']} with errors",
        file=sys.stderr,
    )
    if args.receipt is not None:
        write_output(args.receipt, receipt_writer()(paths[0], problems))
        wrote(args.receipt, f"{plural(len(problems), 'problem')} marked")
    return exit_code(
        bad_input=counts["errors"] > 0, flags_at_or_above=0, warnings=counts["warnings"]
    )


def validation_problems(path: Path, input_format: str | None, registry: Registry) -> list[Problem]:
    """Every problem of one return: reading it, then fitting it to its framework."""
    try:
        ret = load_return(path, input_format=input_format, registry=registry)
        return check_return(ret, registry, str(path))
    except InputError as exc:
        return list(exc.problems)


def receipt_writer() -> Callable[[Path, Sequence[Problem]], bytes]:
    """``safeguard_qa.io.receipt.write_receipt``, imported only when asked for (openpyxl)."""
    # imported by name: the receipt module is being written alongside this command
    module = importlib.import_module("safeguard_qa.io.receipt")
    return cast(Callable[[Path, Sequence[Problem]], bytes], module.write_receipt)


def check_receipt(receipt: Path, paths: list[Path], input_format: str | None) -> None:
    """A receipt is the agency's own workbook marked up: it needs exactly one .xlsx return."""
    if len(paths) != 1 or (input_format or format_of(paths[0])) != "xlsx":
        raise InputError.single(
            "--receipt",
            "",
            f"a receipt marks up one Excel return; found {plural(len(paths), 'return')}"
            + ("" if len(paths) != 1 else f" ({paths[0].name} is not .xlsx)"),
        )
    if receipt.suffix.lower() != ".xlsx":
        raise InputError.single(str(receipt), "", "a receipt is a workbook: name it .xlsx")
    check_not_inputs(receipt, paths)


def cmd_evaluate(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    renderer = registry.renderers.get(args.format)
    if renderer is None or renderer.evaluations is None:
        formats = sorted(n for n, r in registry.renderers.items() if r.evaluations)
        raise InputError.single(
            "--format", "", f"unknown format {args.format!r}; expected one of {', '.join(formats)}"
        )
    framework = registry.resolve_framework(args.framework) if args.framework else None
    if renderer.binary and args.output is None:  # say so before evaluating anything
        raise InputError.single(
            "-o", "", f"the {renderer.name} format is binary: give an output file with -o"
        )
    paths = expand_inputs(args.returns, args.input_format)
    previous_paths = expand_inputs(args.previous, args.input_format) if args.previous else []
    settings = [p for p in (args.policy, args.outcomes) if p is not None]
    check_not_inputs(args.output, [*paths, *previous_paths, *settings])
    with timed("reading the policy and outcomes"):
        policy = load_policy(args.policy, registry) if args.policy else None
        outcomes = load_outcomes(args.outcomes) if args.outcomes else None
        engine = Engine(registry, policy, policy_file=str(args.policy or "policy"))
    fail_on = Severity(args.fail_on)
    options = RenderOptions(fail_on=fail_on)
    failing = 0
    written = 0

    def counted(evaluations: Iterable[Evaluation]) -> Iterator[Evaluation]:
        nonlocal failing, written
        started = time.perf_counter()
        for path, ev in zip(paths, evaluations, strict=False):
            if written == 0:
                # every return is read and checked before the first result
                log.info("reading and checking returns took %.2f s", time.perf_counter() - started)
                started = time.perf_counter()
            if framework is not None:
                check_framework(ev, framework, path)
            failing += sum(1 for f in ev.flags if f.fails(fail_on))
            written += 1
            yield ev
        log.info(
            "evaluating and writing %s took %.2f s",
            plural(written, "return"),
            time.perf_counter() - started,
        )

    rejected: list[Problem] = []
    evaluations = counted(
        track(
            iter_evaluations(
                paths,
                engine=engine,
                previous_paths=previous_paths,
                outcomes=outcomes,
                input_format=args.input_format,
                rejected=rejected if args.keep_going else None,
            ),
            len(paths),
            "evaluating",
        )
    )
    if renderer.stream is not None:
        write_output(args.output, renderer.stream(evaluations, len(paths), options))
    else:
        write_output(args.output, renderer.evaluations(list(evaluations), options))
    wrote(args.output, plural(written, "evaluation"))
    if rejected:
        files = sorted({p.file for p in rejected})
        for problem in rejected:
            print(problem, file=sys.stderr)
        print(
            f"{plural(len(files), 'return')} refused and left out; the others were evaluated",
            file=sys.stderr,
        )
    return exit_code(bad_input=bool(rejected), flags_at_or_above=failing)


def check_framework(ev: Evaluation, framework: Framework, path: Path) -> None:
    """With ``--framework``, every return must answer that framework."""
    if (ev.framework.id, ev.framework.version) != framework.key:
        raise InputError.single(
            str(path),
            "framework",
            f"the return answers {ev.framework.id} {ev.framework.version}; --framework gives "
            f"{framework.id} {framework.version}",
        )


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
        wrote(args.write, plural(len(SCHEMAS), "schema"))
        return ExitCode.OK
    if args.name is None:
        raise InputError.single("schema", "", f"name a schema: {', '.join(sorted(SCHEMAS))}")
    sys.stdout.write(schema_text(args.name))
    return ExitCode.OK
