"""JSON output: the stable, documented form of the results, byte-identical for the same input.

Text is written as it is (UTF-8, not ``\\u`` escapes), except the characters that could act
on a terminal the JSON is printed to, or reorder what it shows: ``json`` escapes C0
control characters itself; DEL, the C1 controls, the Unicode line and paragraph
separators, the bidirectional overrides and isolates, and lone surrogates (which UTF-8
cannot encode) are escaped here. Either way the JSON reads back to exactly the text of the
return.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from safeguard_qa.models.results import Evaluation
from safeguard_qa.report.base import RenderOptions

# The result models are built when first used (start-up time), and the engine fills them
# without validating. Build them here, at import: built lazily inside a renderer, pydantic
# would keep a snapshot of that renderer's local variables (an evaluation among them).
Evaluation.model_rebuild()

_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_safe(text: str) -> str:
    """JSON ``text`` with the characters above as ``\\uXXXX`` escapes (they only occur inside
    strings, where the escape means the same character)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(data: Any) -> str:
    """Deterministic JSON text: fixed key order from the models, two-space indent, newline."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list | tuple):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    return terminal_safe(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> str:
    """One evaluation as an object; several as an array of objects."""
    if len(evaluations) == 1:
        return dumps(evaluations[0])
    return dumps(list(evaluations))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[str]:
    """The same text as :func:`render_evaluations`, one evaluation at a time."""
    if count == 1:
        yield from (dumps(ev) for ev in evaluations)
        return
    first = True
    for ev in evaluations:
        body = terminal_safe(
            json.dumps(ev.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False)
        )
        # JSON text has no blank lines, so this indents exactly as textwrap.indent would
        yield ("[\n  " if first else ",\n  ") + body.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"
