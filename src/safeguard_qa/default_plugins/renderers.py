"""Built-in output formats: the terminal table and the stable JSON form."""

from __future__ import annotations

from collections.abc import Callable

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.report import jsonout, table
from safeguard_qa.report.base import Renderer


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(
        Renderer(
            "table",
            "text tables for the terminal",
            ".txt",
            table.render_evaluations,
            stream=table.stream_evaluations,
        )
    )
    register(
        Renderer(
            "json",
            "the stable JSON form of the results",
            ".json",
            jsonout.render_evaluations,
            stream=jsonout.stream_evaluations,
        )
    )
