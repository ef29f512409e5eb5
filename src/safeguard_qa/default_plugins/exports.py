"""Built-in export formats for evaluations: CSV, JUnit XML, Markdown and XLSX.

All four stream (see :class:`~safeguard_qa.report.base.Renderer`): memory does not grow with
the number of returns. XLSX streams bytes, and only once the last return is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.report.base import Renderer, lazy


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(
        Renderer(
            "csv",
            "one CSV table: overall, standard, criterion and flag rows (formula-safe)",
            ".csv",
            lazy("safeguard_qa.report.csvout", "render_evaluations"),
            stream=lazy("safeguard_qa.report.csvout", "stream_evaluations"),
        )
    )
    register(
        Renderer(
            "junit",
            "JUnit XML: a test case per criterion, a failure per flag at or above --fail-on",
            ".xml",
            lazy("safeguard_qa.report.junit", "render_evaluations"),
            stream=lazy("safeguard_qa.report.junit", "stream_evaluations"),
        )
    )
    register(
        Renderer(
            "markdown",
            "Markdown: standards with self, assured and moderated ratings, then the agenda",
            ".md",
            lazy("safeguard_qa.report.markdown", "render_evaluations"),
            stream=lazy("safeguard_qa.report.markdown", "stream_evaluations"),
        )
    )
    register(
        Renderer(
            "xlsx",
            "an Excel workbook with Summary, Standards, Criteria and Flags sheets",
            ".xlsx",
            lazy("safeguard_qa.report.xlsxout", "render_evaluations"),
            binary=True,
            # yields bytes: write_output writes them, and refuses them on a terminal
            stream=lazy("safeguard_qa.report.xlsxout", "stream_evaluations"),
        )
    )
