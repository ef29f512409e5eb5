"""Reading the HTML challenge-event pack back: its tables, agenda items and text, for the
tests that check what the pack shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Table:
    attrs: dict[str, str | None]
    section: str | None
    caption: str = ""
    rows: list[list[Cell]] = field(default_factory=list)

    def body_rows(self) -> list[list[Cell]]:
        return [row for row in self.rows if row and row[0].attrs.get("scope") == "row"]


class PackParser(HTMLParser):
    """The parts of the pack the tests check: tables, agenda items per section, every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.start_tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[Table] = []
        self.agendas: dict[str | None, list[str]] = defaultdict(list)
        self.text: list[str] = []
        self._section: str | None = None
        self._table: Table | None = None
        self._cell: Cell | None = None
        self._caption = False

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        self.start_tags.append((tag, attrs))
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self._section = attrs.get("id")
        elif tag == "table":
            self._table = Table(attrs, self._section)
            self.tables.append(self._table)
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = Cell(tag, attrs)
            self._table.rows[-1].append(self._cell)
        elif tag == "li" and "item" in classes:
            self.agendas[self._section].append(attrs["data-fingerprint"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._caption = False
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.text += data
        elif self._caption and self._table is not None:
            self._table.caption += data

    def tables_of(self, css_class: str) -> list[Table]:
        return [t for t in self.tables if css_class in (t.attrs.get("class") or "").split()]


def parse(text: str) -> PackParser:
    parser = PackParser()
    parser.feed(text)
    parser.close()
    return parser
