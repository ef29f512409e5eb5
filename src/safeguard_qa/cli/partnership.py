"""The partnership command: the partnership view and the challenge-event pack."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safeguard_qa.api import load_checked
from safeguard_qa.cli import ExitCode
from safeguard_qa.cli.common import (
    check_not_inputs,
    expand_inputs,
    progress,
    registry_from,
    write_output,
)
from safeguard_qa.errors import InputError, Problem, ReturnError
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import INPUT_FORMATS
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.jsonout import dumps

if TYPE_CHECKING:
    from safeguard_qa.analysis.partnership import PartnershipReport

Render = Callable[["PartnershipReport", RenderOptions], str | bytes]

RENDERER_FOR_FORMAT = {"markdown": "pack-md", "html": "html"}
"""The ``--format`` names that stand for a registered renderer of another name."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "partnership",
        help="the partnership view and the challenge-event pack for a cycle's returns",
        description="Evaluate a partnership's returns together and write the partnership view "
        "(return status, heatmap, themes, trend, action register) and each agency's "
        "challenge agenda.",
    )
    parser.add_argument(
        "returns", nargs="+", type=Path, metavar="RETURNS_DIR", help="folders or return files"
    )
    parser.add_argument("--expected", type=Path, help="expected-agencies YAML for this cycle")
    parser.add_argument(
        "--previous",
        type=Path,
        action="append",
        default=[],
        help="the previous cycle's returns (folder or files), for the trend; repeatable",
    )
    parser.add_argument("--policy", type=Path, help="policy YAML (default: the built-in policy)")
    parser.add_argument(
        "--previous-policy",
        type=Path,
        help="the previous cycle's policy YAML (default: this policy, with each previous "
        "return judged as at its own submission date, never at this cycle's as_of)",
    )
    parser.add_argument("--outcomes", type=Path, help="challenge outcomes YAML")
    parser.add_argument(
        "--self",
        dest="show_self",
        action="store_true",
        help="show the agencies' self ratings in the heatmap beside the assured ratings",
    )
    parser.add_argument(
        "--format",
        default="table",
        help="table, markdown, html or json (or a plugin's partnership format; default: table)",
    )
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--input-format", choices=INPUT_FORMATS)
    parser.set_defaults(func=cmd_partnership)


def cmd_partnership(args: argparse.Namespace) -> int:
    from safeguard_qa.analysis.partnership import evaluate_partnership

    registry = registry_from(args)
    render = renderer_for(args.format, registry)
    paths = expand_inputs(args.returns, args.input_format)
    previous_paths = expand_inputs(args.previous, args.input_format) if args.previous else []
    settings = [
        p
        for p in (args.expected, args.policy, args.previous_policy, args.outcomes)
        if p is not None
    ]
    check_not_inputs(args.output, [*paths, *previous_paths, *settings])
    report = evaluate_partnership(
        load_returns(paths, registry, args.input_format),
        registry=registry,
        policy=load_policy(args.policy, registry) if args.policy else None,
        expected=load_expected(args.expected) if args.expected else None,
        previous_returns=load_returns(previous_paths, registry, args.input_format),
        outcomes=load_outcomes(args.outcomes) if args.outcomes else None,
        policy_file=str(args.policy or "policy"),
        previous_policy=load_policy(args.previous_policy, registry)
        if args.previous_policy
        else None,
    )
    write_output(args.output, render(report, RenderOptions(show_self=args.show_self)))
    return ExitCode.OK


def renderer_for(name: str, registry: Registry) -> Render:
    """The function that renders the partnership report in format ``name``."""
    if name == "json":
        return lambda report, _options: dumps(report)
    if name == "table":
        from safeguard_qa.report.pack_markdown import render_summary

        return render_summary
    renderer = registry.renderers.get(RENDERER_FOR_FORMAT.get(name, name))
    if renderer is None or renderer.partnership is None:
        plugin_formats = [n for n, r in registry.renderers.items() if r.partnership is not None]
        names = sorted({"table", "json", *RENDERER_FOR_FORMAT, *plugin_formats})
        raise InputError.single(
            "--format", "", f"unknown format {name!r}; expected one of {', '.join(names)}"
        )
    return renderer.partnership


def load_returns(paths: list[Path], registry: Registry, input_format: str | None) -> list[Return]:
    """Load and check every return, collecting every problem (and any agency that returned
    twice, naming both files) before failing."""
    loaded: list[Return] = []
    problems: list[Problem] = []
    first_file: dict[str, Path] = {}
    for path in progress(paths, "reading"):
        ret = load_checked(path, registry, input_format, None, problems)
        if ret is None:
            continue
        found: list[Problem] = []
        if ret.agency.id in first_file:
            found.append(
                Problem(
                    str(path),
                    "agency › id",
                    f"agency {ret.agency.id} already made a return in "
                    f"{first_file[ret.agency.id]}; give one return per agency per cycle",
                )
            )
        first_file.setdefault(ret.agency.id, path)
        problems.extend(found)
        if not found:
            loaded.append(ret)
    if problems:
        raise ReturnError(problems)
    return loaded
