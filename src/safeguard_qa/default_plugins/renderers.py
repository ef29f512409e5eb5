"""Built-in output formats: the terminal table and the stable JSON form.

Each name is one format for both kinds of result: ``table`` is the evaluations' text tables
and the partnership summary; ``json`` is the stable JSON of either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.report import jsonout, table
from safeguard_qa.report.base import Renderer, RenderOptions, lazy

if TYPE_CHECKING:
    from safeguard_qa.analysis.partnership import PartnershipReport


def partnership_json(report: PartnershipReport, options: RenderOptions) -> str:
    """The partnership report's stable JSON (see ``schemas/partnership.schema.json``)."""
    return jsonout.dumps(report)


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(
        Renderer(
            "table",
            "text tables for the terminal (for a partnership: the summary, without agency pages)",
            ".txt",
            table.render_evaluations,
            stream=table.stream_evaluations,
            partnership=lazy("safeguard_qa.report.pack_table", "render_table"),
        )
    )
    register(
        Renderer(
            "json",
            "the stable JSON form of the results",
            ".json",
            jsonout.render_evaluations,
            stream=jsonout.stream_evaluations,
            partnership=partnership_json,
        )
    )
