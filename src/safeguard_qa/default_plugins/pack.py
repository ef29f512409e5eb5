"""The challenge-event pack formats that exist only for the partnership view: ``html`` and
``pdf``. The formats shared with evaluations (``table``, ``json``, ``markdown``, ``csv``,
``xlsx``) carry their partnership renderer on the same registration, one name per format.
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
            "pdf",
            "the challenge-event pack as an A4 PDF, printed by headless Chromium",
            ".pdf",
            partnership=lazy("safeguard_qa.report.pdf", "render_partnership"),
            binary=True,
        )
    )
