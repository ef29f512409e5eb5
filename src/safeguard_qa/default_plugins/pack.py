"""The partnership view and challenge-event pack renderers: ``html`` and ``pack-md``.

Their names are distinct from the evaluation formats so that both can be installed side by
side; the ``partnership`` command maps ``--format html`` and ``--format markdown`` to them.
"""

from __future__ import annotations

from collections.abc import Callable

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.report.base import Renderer, lazy


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(
        Renderer(
            "html",
            "the challenge-event pack as one printable, self-contained HTML file",
            ".html",
            partnership=lazy("safeguard_qa.report.html", "render_partnership"),
        )
    )
    register(
        Renderer(
            "pack-md",
            "the challenge-event pack in Markdown",
            ".md",
            partnership=lazy("safeguard_qa.report.pack_markdown", "render_pack"),
        )
    )
