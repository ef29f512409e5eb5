"""Northshire Safeguarding Children Partnership's local standard and rule.

A plugin is any importable module with ``@hookimpl`` functions; this one is installed as a
package and found through the ``safeguard_qa`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from safeguard_qa import Finding, ReturnContext, Rule, Severity, hookimpl
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
