"""Northshire Safeguarding Children Partnership's local standard and rule.

A plugin is any importable module with ``@hookimpl`` functions; this one is installed as a
package and found through the ``safeguard_qa`` entry-point group.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from safeguard_qa import Finding, ReturnContext, Rule, Severity, hookimpl
from safeguard_qa.contract import Command
from safeguard_qa.models import RAG, Framework

LOCAL_STANDARD = Path(__file__).with_name("northshire-local.yaml")


class UndatedParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    statutory_only: bool = Field(default=True, description="Only check statutory criteria.")


class UndatedEvidence(Rule):
    """Northshire's panel asks for the date of every document relied on for a met rating."""

    id = "northshire-undated-evidence"
    title = "Met, but none of the evidence is dated"
    severity = Severity.LOW
    question = "When was this evidence produced or last reviewed?"
    Params: ClassVar[type[BaseModel]] = UndatedParams

    def check(self, ctx: ReturnContext, params: UndatedParams) -> Iterator[Finding]:
        for view in ctx.items:
            if params.statutory_only and not view.criterion.statutory:
                continue
            if not view.claims_met or view.response is None or not view.response.evidence:
                continue
            if all(item.date is None for item in view.response.evidence):
                yield Finding(
                    f"rated {view.self_rag.value if view.self_rag else ''} with "
                    f"{len(view.response.evidence)} undated evidence item(s)",
                    view.criterion.id,
                    evidence=tuple(item.description for item in view.response.evidence),
                    caps=RAG.GREEN,
                )


@hookimpl
def register_frameworks(register: Callable[[Framework | Path], None]) -> None:
    register(LOCAL_STANDARD)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    register(UndatedEvidence())


def checklist(framework: Framework) -> str:
    """The local standard as a Markdown checklist agencies prepare their evidence from."""
    lines = [f"# {framework.title}", ""]
    for standard in framework.standards:
        lines += [f"## {standard.id} {standard.title}", ""]
        for criterion in standard.criteria:
            lines.append(f"- [ ] **{criterion.id}** {criterion.text.strip()}")
            lines += [f"  - evidence: {prompt}" for prompt in criterion.evidence_prompts]
        lines.append("")
    return "\n".join(lines)


def _add_checklist(commands: Any) -> None:
    parser = commands.add_parser(
        "northshire-checklist",
        help="the Northshire local standard as a checklist for agencies",
        description="Print Northshire's local safeguarding priorities as a Markdown checklist,\n"
        "with the evidence prompts agencies prepare before the challenge event.",
        epilog="Example:\n  safeguard-qa northshire-checklist > checklist.md",
    )
    parser.set_defaults(func=_run_checklist)


def _run_checklist(args: argparse.Namespace) -> int:
    from safeguard_qa.loaders import load_framework

    print(checklist(load_framework(LOCAL_STANDARD)))
    return 0


@hookimpl
def register_commands(register: Callable[[Command], None]) -> None:
    register(Command("northshire-checklist", "the local standard as a checklist", _add_checklist))
