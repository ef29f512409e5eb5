"""What ``make demo`` runs: the main job on the shipped example data, through the Python API.

1. validate the example returns against their frameworks;
2. score one agency's return against its previous one and print the standards with self and
   assured RAG and the top of its challenge agenda;
3. evaluate the example partnership's 2025 cycle with its previous cycle, expected agencies,
   policy and challenge outcomes, and write the challenge-event pack.
"""

from __future__ import annotations

import sys
from pathlib import Path

from safeguard_qa import Engine, InputError, load_outcomes, load_policy, load_registry
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.loaders.returns import check_return, load_return
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.report.table import render_evaluation

HERE = Path(__file__).resolve().parent
PARTNERSHIP = HERE / "partnership"
OUT = Path("out")


def return_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".json"))


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

    report = evaluate_partnership(
        [load_return(p) for p in return_files(PARTNERSHIP / "2025")],
        registry=registry,
        policy=policy,
        expected=load_expected(PARTNERSHIP / "expected-agencies.yaml"),
        previous_returns=[load_return(p) for p in return_files(PARTNERSHIP / "2024")],
        outcomes=load_outcomes(PARTNERSHIP / "outcomes.yaml"),
    )
    OUT.mkdir(exist_ok=True)
    for name, renderer in (("challenge-pack.html", "html"), ("challenge-pack.md", "pack-md")):
        render = registry.renderers[renderer].partnership
        assert render is not None
        text = render(report, RenderOptions())
        (OUT / name).write_text(text if isinstance(text, str) else text.decode(), encoding="utf-8")
    status = report.status
    print(
        f"{report.partnership}: {len(report.agencies)} returns evaluated, "
        f"{len(status.missing)} expected agencies have not returned, "
        f"{len(report.themes)} partnership themes."
    )
    print(f"Challenge-event pack written to {(OUT / 'challenge-pack.html').resolve()}")
    print(f"(and as Markdown to {(OUT / 'challenge-pack.md').resolve()})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        sys.exit(2)
