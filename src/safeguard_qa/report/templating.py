"""The one way templates are set up: Jinja2 with strict undefined values and tidy blocks;
HTML autoescaped, Markdown with every value escaped by a ``finalize`` function."""

from __future__ import annotations

from collections.abc import Callable

import jinja2


def template_environment(
    package: str, *, finalize: Callable[[object], str] | None = None
) -> jinja2.Environment:
    """An environment for ``package``'s ``templates`` folder. Without ``finalize`` it is for
    HTML and autoescapes; with it (Markdown) every value goes through ``finalize`` instead."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        # Markdown is not HTML: its finalize escapes every value in Markdown's own way
        autoescape=finalize is None,  # noqa: S701
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
