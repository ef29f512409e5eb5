"""What ``make demo`` runs: the main job on the shipped example data, through the Python API.

1. validate the example returns against their frameworks;
2. score one agency's return against its previous one and print the standards with self and
   assured RAG and the top of its challenge agenda;
3. evaluate the example partnership's 2025 cycle with its previous cycle, expected agencies,
   policy and challenge outcomes, test the agencies' claims against the themed case-file
   audit and the practitioner survey (triangulation), and write the challenge-event pack;
4. write the case-file audit's findings report and the learning briefing for front-line teams.
"""

from __future__ import annotations

import sys
from pathlib import Path

from safeguard_qa import Engine, InputError, load_outcomes, load_policy, load_registry
from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.audit import (
    MAPPINGS_DIR,
    audit_findings,
    learning_briefing,
    load_mapping,
    load_round,
    load_survey,
    render_briefing,
    render_findings,
    triangulate,
)
from safeguard_qa.audit.api import round_date
from safeguard_qa.contract import PartnershipRender, RenderOptions
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.loaders.returns import check_return, load_return
from safeguard_qa.plugins import Registry
from safeguard_qa.report.table import render_evaluation

HERE = Path(__file__).resolve().parent
PARTNERSHIP = HERE / "partnership"
AUDIT = HERE / "audit"
OUT = Path("out")


def return_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".json"))


def partnership_renderer(registry: Registry, *names: str) -> PartnershipRender:
    """The first of ``names`` registered with a partnership form."""
    for name in names:
        renderer = registry.renderers.get(name)
        if renderer is not None and renderer.partnership is not None:
            return renderer.partnership
    raise LookupError(f"no partnership renderer among {names}")


def main() -> int:
    registry = load_registry()
    print("Installed frameworks:")
    for (framework_id, version), framework in sorted(registry.frameworks().items()):
        print(f"  {framework_id} {version}: {framework.title} ({len(framework.criteria)} criteria)")

    files = [
        *return_files(HERE / "returns"),
        *return_files(PARTNERSHIP / "2024"),
        *return_files(PARTNERSHIP / "2025"),
    ]
    errors = warnings = 0
    for path in files:
        problems = check_return(load_return(path), registry, str(path))
        errors += sum(p.level == "error" for p in problems)
        warnings += sum(p.level == "warning" for p in problems)
    print(f"\nValidated {len(files)} example returns: {errors} errors, {warnings} warnings")

    policy = load_policy(PARTNERSHIP / "policy.yaml", registry)
    engine = Engine(registry, policy)
    police = load_return(HERE / "returns" / "police.yaml")
    previous = load_return(HERE / "returns" / "previous" / "police-2024.yaml")
    evaluation = engine.evaluate(police, previous=previous)
    print("\n" + render_evaluation(evaluation, RenderOptions()))

    this_cycle = [load_return(p) for p in return_files(PARTNERSHIP / "2025")]
    audit = load_round(AUDIT / "2025-neglect.yaml", registry)
    triangulation = triangulate(
        engine.evaluate_many(this_cycle),
        audit,
        load_survey(AUDIT / "practitioner-survey-2025.yaml"),
        load_mapping(MAPPINGS_DIR / "s11-wt2023.yaml"),
        registry=registry,
    )
    report = evaluate_partnership(
        this_cycle,
        registry=registry,
        policy=policy,
        expected=load_expected(PARTNERSHIP / "expected-agencies.yaml"),
        previous_returns=[load_return(p) for p in return_files(PARTNERSHIP / "2024")],
        outcomes=load_outcomes(PARTNERSHIP / "outcomes.yaml"),
        extra_flags=triangulation,
    )
    OUT.mkdir(exist_ok=True)
    for name, renderers in (
        ("challenge-pack.html", ("html",)),
        ("challenge-pack.md", ("markdown", "pack-md")),
    ):
        text = partnership_renderer(registry, *renderers)(report, RenderOptions())
        (OUT / name).write_text(text if isinstance(text, str) else text.decode(), encoding="utf-8")
    status = report.status
    missing = len(status.missing)
    print(
        f"{report.partnership}: {len(report.agencies)} returns evaluated, "
        f"{missing} expected {'agency has' if missing == 1 else 'agencies have'} not returned, "
        f"{len(report.themes)} partnership themes."
    )
    print(f"Challenge-event pack written to {(OUT / 'challenge-pack.html').resolve()}")
    print(f"(and as Markdown to {(OUT / 'challenge-pack.md').resolve()})")
    raised = sum(len(flags) for flags in triangulation.values())
    print(
        f"Triangulation with the {audit.round.theme} audit and the practitioner survey: "
        f"{raised} claims challenged for {len(triangulation)} agencies (on their agendas)."
    )

    findings = audit_findings(
        audit, registry=registry, previous=load_round(AUDIT / "2024-neglect.yaml", registry)
    )
    as_of = round_date(audit)
    (OUT / "audit-findings.html").write_text(
        render_findings(findings, "html", as_of=as_of), encoding="utf-8"
    )
    (OUT / "audit-findings.md").write_text(
        render_findings(findings, "markdown", as_of=as_of), encoding="utf-8"
    )
    (OUT / "learning-briefing.html").write_text(
        render_briefing(learning_briefing(findings, registry=registry), "html"), encoding="utf-8"
    )
    print(f"Case-file audit findings written to {(OUT / 'audit-findings.html').resolve()}")
    print(f"Learning briefing written to {(OUT / 'learning-briefing.html').resolve()}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        sys.exit(2)
