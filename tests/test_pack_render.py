"""What a reader of the pack sees: contents, the guide, readable type, charts with their
numbers for screen readers, a strict CSP; the Markdown pack in plain words, no entities."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from safeguard_qa.analysis.partnership import PartnershipReport, evaluate_partnership, settled
from safeguard_qa.loaders.expected import load_expected
from safeguard_qa.loaders.policy import load_outcomes, load_policy
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.plugins import Registry
from safeguard_qa.report import html, pack_markdown
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.pack_markdown import md_plain
from tests.pack_html import parse
from tests.partnership_data import SCRIPT, make_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "partnership"
A4_TEXT_COLUMN_MM = 186  # 210 mm less the 12 mm margins either side
MM_PER_PT = 25.4 / 72


@pytest.fixture(scope="module")
def example_report(registry: Registry) -> PartnershipReport:
    """The example partnership with outcomes (so panel decisions such as action_agreed)."""

    def returns(folder: str) -> list[object]:
        return [load_return(p, registry=registry) for p in sorted((EXAMPLE / folder).glob("*"))]

    return evaluate_partnership(
        returns("2025"),  # type: ignore[arg-type]
        registry=registry,
        policy=load_policy(EXAMPLE / "policy.yaml", registry),
        expected=load_expected(EXAMPLE / "expected-agencies.yaml"),
        previous_returns=returns("2024"),  # type: ignore[arg-type]
        outcomes=load_outcomes(EXAMPLE / "outcomes.yaml"),
    )


@pytest.fixture(scope="module")
def page(example_report: PartnershipReport) -> str:
    return html.render_partnership(example_report, RenderOptions(show_self=True))


# --- contents and guide -------------------------------------------------------------------


def test_contents_list_links_to_every_part(page: str, example_report: PartnershipReport) -> None:
    contents = page.split('<nav id="contents"')[1].split("</nav>")[0]
    targets = re.findall(r'href="#([^"]+)"', contents)
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    assert targets
    assert set(targets) <= ids, set(targets) - ids
    assert {"guide", "summary", "charts", "annex-status", "annex-actions"} <= set(targets)
    assert [t for t in targets if t.startswith("agency-")] == [
        f"agency-{a.agency}" for a in example_report.agencies
    ]


def test_guide_says_how_to_read_the_ratings(page: str) -> None:
    guide = page.split('<section id="guide"')[1].split("</section>")[0]
    terms = re.findall(r"<dt>(.*?)</dt>", guide)
    assert terms[:4] == ["Self", "Assured", "Moderated", "What caps a rating"]
    assert "Policy in force" in terms
    assert "assured amber at most" in guide
    assert "50%" in guide  # the theme share in force


# --- readable type ------------------------------------------------------------------------


def _points(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(pt|px|mm)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"pt": 1.0, "px": 0.75, "mm": 1 / MM_PER_PT}[unit]


def test_no_text_under_9pt_on_a4(page: str) -> None:
    style = page.split("<style>")[1].split("</style>")[0]
    sizes = re.findall(r"font-size:\s*([^;}]+)", style)
    assert sizes
    relative = [s for s in sizes if not re.fullmatch(r"[\d.]+(pt|px|mm)", s.strip())]
    assert not relative, relative  # em or % could shrink below the floor
    assert min(_points(s) for s in sizes) >= 9, sorted(sizes)
    # chart text: SVG user units, drawn at the width of the A4 text column
    for svg in re.findall(r"<svg [^>]*>", page):
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
        units = float(re.search(r'font-size="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
        assert units * A4_TEXT_COLUMN_MM / width / MM_PER_PT >= 9
    assert not re.search(r"<text[^>]*font-size", page)


# --- charts -------------------------------------------------------------------------------


class ChartParser(HTMLParser):
    """Each SVG chart's numbers (per bar, per row) and its data table's, by chart id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svg: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.tables: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self._chart: str | None = None
        self._group = ""
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attr_list}
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self._chart = attrs["data-chart"]
        elif tag == "g" and self._chart:
            self._group = attrs["data-label"]
            if "data-current" in attrs:  # the trend: before and now
                self.svg[self._chart][self._group] += [
                    attrs["data-previous"],
                    attrs["data-current"],
                ]
        elif tag == "rect" and self._chart:
            self.svg[self._chart][self._group].append(attrs["data-value"])
        elif tag == "table" and "chart-data" in attrs.get("class", ""):
            self._table = attrs["data-chart"]
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None
        elif tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._row and self._row[0] not in ("Standard", "Status", "Agency"):
                self.tables[self._table][self._row[0]] = self._row[1:]
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _charts(page: str) -> ChartParser:
    parser = ChartParser()
    parser.feed(page)
    return parser


def test_every_chart_has_a_table_with_the_same_numbers(
    page: str, example_report: PartnershipReport
) -> None:
    charts = _charts(page)
    assert charts.scripts == 0
    expected = {f"chart-shares-{v.framework}" for v in example_report.frameworks}
    expected |= {"chart-trend", "chart-actions"}
    assert set(charts.svg) == expected
    assert set(charts.tables) == expected
    for chart, bars in charts.svg.items():
        table = charts.tables[chart]
        assert list(table) == list(bars), chart  # a row for every bar, in order
        for label, values in bars.items():
            shown = table[label]
            if chart == "chart-trend":
                previous = "no previous return" if values[0] == "" else values[0]
                assert shown[:2] == [previous, values[1]], (chart, label)
            else:
                assert shown[: len(values)] == values, (chart, label)


def test_rag_share_chart_counts_each_agencys_settled_rating(
    page: str, example_report: PartnershipReport
) -> None:
    bars = _charts(page).svg
    for view in example_report.frameworks:
        chart = bars[f"chart-shares-{view.framework}"]
        for index, standard in enumerate(view.standards):
            rags = [settled(row.cells[index]) for row in view.heatmap]
            counts = [sum(1 for r in rags if r is not None and r.value == k) for k in
                      ("red", "amber", "green", "blue")] + [rags.count(None)]  # fmt: skip
            assert chart[f"{standard.id} {standard.title}"] == [str(n) for n in counts]


def test_action_chart_counts_overdue_apart(page: str, example_report: PartnershipReport) -> None:
    table = _charts(page).tables["chart-actions"]
    overdue = sum(1 for a in example_report.actions if a.overdue)
    assert table["Overdue"] == [str(overdue)]
    total = sum(int(row[0]) for row in table.values())
    assert total == len(example_report.actions)


def test_no_trend_chart_without_a_previous_cycle(registry: Registry) -> None:
    report = make_report(registry)
    plain = report.model_copy(update={"trend": None})
    assert 'data-chart="chart-trend"' not in html.render_partnership(plain, RenderOptions())


# --- the page's policy --------------------------------------------------------------------


def test_csp_forbids_scripts_base_and_forms(page: str) -> None:
    parsed = parse(page)
    csp = next(a for t, a in parsed.start_tags if t == "meta" and a.get("http-equiv"))
    directives = {d.strip() for d in (csp["content"] or "").split(";")}
    assert {"default-src 'none'", "base-uri 'none'", "form-action 'none'"} <= directives
    assert not any(d.startswith("script-src") for d in directives)


# --- the Markdown pack --------------------------------------------------------------------


def test_markdown_pack_has_plain_words_and_no_entities(example_report: PartnershipReport) -> None:
    text = pack_markdown.render_pack(example_report, RenderOptions(show_self=True))
    assert "action agreed" in text  # the panel's decision, in words
    assert not re.search(r"&(?:[a-z]+|#\d+);", text), "an HTML entity"
    raw_ids = re.findall(r"\b[a-z]+(?:\\?_[a-z]+)+\b", text)
    assert not raw_ids, sorted(set(raw_ids))
    assert "## Contents" in text
    assert "## How to read this pack" in text
    assert "- **What caps a rating:**" in text
    for pack in example_report.agencies:
        assert f"## {md_plain(pack.name)}\n" in text


def test_markdown_pack_keeps_markup_from_returns_as_text(registry: Registry) -> None:
    text = pack_markdown.render_pack(make_report(registry), RenderOptions())
    assert SCRIPT not in text
    assert not re.search(r"(?<!\\)<", text), "an unescaped < could open a tag"
    assert "\\<script\\>" in text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("AT&T *bold* _it_", "AT\\&T \\*bold\\* \\_it\\_"),
        ("&lt;script&gt;", "\\&lt;script\\&gt;"),
        ("see https://evil.example", "see https\\://evil.example"),
        ("a | b\n\n# heading", "a \\| b # heading"),
    ],
)
def test_md_plain_escapes_without_entities(text: str, escaped: str) -> None:
    assert md_plain(text) == escaped


def test_table_format_is_the_summary_without_agency_pages(
    example_report: PartnershipReport,
) -> None:
    from safeguard_qa.report.pack_table import render_table

    text = render_table(example_report, RenderOptions())
    assert "Returns received" in text  # the partnership summary
    assert "Challenge agenda" not in text
    assert "Criterion by criterion" not in text
    assert "Overdue action of" in text  # the action register, overdue first
