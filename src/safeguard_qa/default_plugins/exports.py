"""Built-in export formats: CSV, JUnit XML, Markdown and XLSX.

For evaluations all four stream (see :class:`~safeguard_qa.report.base.Renderer`): memory
does not grow with the number of returns. XLSX streams bytes, and only once the last return
is evaluated. CSV, Markdown and XLSX also render the partnership view (the ``partnership``
slot of the same registration: one name per format): CSV as one table with a ``section``
column, Markdown as the whole challenge-event pack, XLSX as a workbook of the view.
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
            "one CSV table with a section column: overall, standard, criterion and flag "
            "rows; for a partnership, status, heatmap, share, theme, trend, action and "
            "agenda rows (formula-safe)",
            ".csv",
            lazy("safeguard_qa.report.csvout", "render_evaluations"),
            stream=lazy("safeguard_qa.report.csvout", "stream_evaluations"),
            partnership=lazy("safeguard_qa.report.pack_csv", "render_partnership"),
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
            "Markdown: standards with self, assured and moderated ratings, then the agenda; for a "
            "partnership, the whole challenge-event pack",
            ".md",
            lazy("safeguard_qa.report.markdown", "render_evaluations"),
            stream=lazy("safeguard_qa.report.markdown", "stream_evaluations"),
            partnership=lazy("safeguard_qa.report.pack_markdown", "render_pack"),
        )
    )
    register(
        Renderer(
            "xlsx",
            "an Excel workbook with Summary, Standards, Criteria and Flags sheets; for a "
            "partnership, Summary, Heatmap, Themes, Trend, Actions and a sheet per agenda",
            ".xlsx",
            lazy("safeguard_qa.report.xlsxout", "render_evaluations"),
            binary=True,
            # yields bytes: write_output writes them, and refuses them on a terminal
            stream=lazy("safeguard_qa.report.xlsxout", "stream_evaluations"),
            partnership=lazy("safeguard_qa.report.pack_xlsx", "render_partnership"),
        )
    )
