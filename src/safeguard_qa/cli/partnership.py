"""The partnership command: the partnership view and the challenge-event pack."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safeguard_qa.api import load_checked
from safeguard_qa.cli import ExitCode
from safeguard_qa.cli.common import (
    check_not_inputs,
    example,
    expand_inputs,
    progress,
    registry_from,
    write_output,
    wrote,
)
from safeguard_qa.errors import InputError, Problem, ReturnError
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import INPUT_FORMATS
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Flag
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry
from safeguard_qa.report.base import Renderer, RenderOptions

if TYPE_CHECKING:
    from safeguard_qa.analysis.partnership import PartnershipReport
    from safeguard_qa.audit import CriterionMapping

log = logging.getLogger(__name__)

Render = Callable[["PartnershipReport", RenderOptions], str | bytes]

PARTNERSHIP_FORMATS = ("table", "html", "markdown", "json", "csv", "xlsx", "pdf")
"""The built-in formats of the partnership view, each one registered renderer."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "partnership",
        help="the partnership view and the challenge-event pack for a cycle's returns",
        description="Evaluate a partnership's returns together and write the partnership view "
        "(return status, heatmap, themes, trend, action register) and each agency's "
        "challenge agenda. With --audit, claims are tested against case-file audits (and a "
        "practitioner survey): the triangulation flags join the agencies' agendas.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=example(
            "safeguard-qa partnership returns/2025 --previous returns/2024 "
            "--expected expected.yaml --format html -o pack.html",
            "safeguard-qa partnership returns/2025 --audit audits/2025-neglect.yaml "
            "--survey audits/survey.yaml --format pdf -o pack.pdf",
            "safeguard-qa partnership returns/2025 --format xlsx -o partnership.xlsx",
        ),
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
        "--audit",
        type=Path,
        action="append",
        default=[],
        metavar="ROUND",
        help="a case-file audit round YAML to test the agencies' claims against; repeatable",
    )
    parser.add_argument(
        "--survey", type=Path, help="practitioner survey results YAML (with --audit)"
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        help="criteria mapped to audit domains and survey questions (with --audit; default: "
        "the shipped mapping for each framework the returns answer)",
    )
    parser.add_argument(
        "--self",
        dest="show_self",
        action="store_true",
        help="show the agencies' self ratings in the heatmap beside the assured ratings",
    )
    parser.add_argument(
        "--format",
        default="table",
        metavar="FORMAT",
        help=f"{', '.join(PARTNERSHIP_FORMATS)}, or a plugin's partnership format "
        "(default: table; xlsx and pdf need -o)",
    )
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--input-format", choices=INPUT_FORMATS)
    parser.set_defaults(func=cmd_partnership)


def cmd_partnership(args: argparse.Namespace) -> int:
    from safeguard_qa.analysis.partnership import evaluate_partnership

    registry = registry_from(args)
    renderer = renderer_for(args.format, registry)
    if renderer.binary and args.output is None:
        raise InputError.single(
            "-o", "", f"the {renderer.name} format is binary: give an output file with -o"
        )
    if (args.survey or args.mapping) and not args.audit:
        raise InputError.single(
            "--survey" if args.survey else "--mapping", "", "give the audit rounds with --audit"
        )
    paths = expand_inputs(args.returns, args.input_format)
    previous_paths = expand_inputs(args.previous, args.input_format) if args.previous else []
    settings = [
        p
        for p in (
            args.expected,
            args.policy,
            args.previous_policy,
            args.outcomes,
            *args.audit,
            args.survey,
            args.mapping,
        )
        if p is not None
    ]
    check_not_inputs(args.output, [*paths, *previous_paths, *settings])
    returns = load_returns(paths, registry, args.input_format)
    policy = load_policy(args.policy, registry) if args.policy else None
    extra_flags = triangulation_flags(returns, registry, policy, args) if args.audit else None
    report = evaluate_partnership(
        returns,
        registry=registry,
        policy=policy,
        expected=load_expected(args.expected) if args.expected else None,
        previous_returns=load_returns(previous_paths, registry, args.input_format),
        outcomes=load_outcomes(args.outcomes) if args.outcomes else None,
        policy_file=str(args.policy or "policy"),
        previous_policy=load_policy(args.previous_policy, registry)
        if args.previous_policy
        else None,
        extra_flags=extra_flags,
    )
    assert renderer.partnership is not None  # renderer_for checked it
    options = RenderOptions(show_self=args.show_self)
    write_output(args.output, renderer.partnership(report, options))
    wrote(args.output, f"the partnership view, {renderer.name}")
    return ExitCode.OK


def triangulation_flags(
    returns: Sequence[Return],
    registry: Registry,
    policy: Policy | None,
    args: argparse.Namespace,
) -> dict[str, list[Flag]]:
    """The triangulation flags by agency: this cycle's returns evaluated once (their self
    ratings are what is tested), against the audit rounds, the survey and each mapping."""
    from safeguard_qa.audit import load_round, load_survey, triangulate
    from safeguard_qa.engine.engine import Engine

    rounds = [load_round(path, registry) for path in args.audit]
    survey = load_survey(args.survey) if args.survey else None
    frameworks = sorted({ret.framework for ret in returns})
    mappings = [load_checked_mapping(path, registry) for path in mapping_paths(args, frameworks)]
    evaluations = Engine(registry, policy).evaluate_many(returns)
    flags: dict[str, list[Flag]] = {}
    for mapping in mappings:
        for agency, found in triangulate(
            evaluations, rounds, survey, mapping, registry=registry
        ).items():
            flags.setdefault(agency, []).extend(found)
    log.info("triangulation: flags for %d agencies", len(flags))
    return flags


def mapping_paths(args: argparse.Namespace, frameworks: Sequence[str]) -> list[Path]:
    """``--mapping``, else the shipped mapping of each framework the returns answer."""
    from safeguard_qa.audit import MAPPINGS_DIR

    if args.mapping is not None:
        return [args.mapping]
    shipped = [MAPPINGS_DIR / f"{framework}.yaml" for framework in frameworks]
    found = [path for path in shipped if path.is_file()]
    if not found:
        known = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))) or "none"
        raise InputError.single(
            "--mapping",
            "",
            f"no mapping is shipped for {', '.join(frameworks)} (shipped: {known}); give one "
            "with --mapping",
        )
    return found


def load_checked_mapping(path: Path, registry: Registry) -> CriterionMapping:
    """The mapping, refused when it names a criterion or domain its framework or tool lacks."""
    from safeguard_qa.audit import AuditError, check_mapping, load_mapping

    mapping = load_mapping(path)
    problems = check_mapping(mapping, registry, str(path))
    if problems:
        raise AuditError(problems)
    return mapping


def renderer_for(name: str, registry: Registry) -> Renderer:
    """The registered format ``name``, which must render the partnership view."""
    renderer = registry.renderers.get(name)
    if renderer is None or renderer.partnership is None:
        names = sorted(n for n, r in registry.renderers.items() if r.partnership is not None)
        raise InputError.single(
            "--format", "", f"unknown format {name!r}; expected one of {', '.join(names)}"
        )
    return renderer


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
