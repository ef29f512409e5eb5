"""Returns as CSV: one row per record, so a whole return fits one rectangular sheet.

The header row names the columns (any order; missing ones are blank; names are not
case-sensitive)::

    record,field,criterion,rating,value,moderated,text,reference,date,owner,due,status,completed,guide

Each row is one record, named in ``record``:

``return``
    one of the return's details: ``field`` names it (``framework``, ``framework_version``,
    ``agency.id``, ``agency.name``, ``agency.type``, ``agency.sector``, ``agency.statutory``,
    ``period.start``, ``period.end``, ``deadline``, ``submitted``, ``sign_off.name``,
    ``sign_off.role``, ``sign_off.date``) and ``text`` holds its value.
``response``
    the answer to one criterion: ``criterion``, ``rating``, ``value`` (a figure for an
    indicator), ``moderated`` (the panel's rating) and ``text`` (the commentary).
``evidence``
    one piece of evidence for the criterion in ``criterion``: ``text`` (what it is),
    ``reference`` (document or link) and ``date``.
``action``
    one line of the action plan for the criterion in ``criterion``: ``text`` (the action),
    ``owner``, ``due``, ``status`` (not_started, in_progress, complete) and ``completed``.

Evidence and action rows belong to the criterion they name, in the order they appear; each
criterion they name needs a response row. A cell a record does not use must be blank.
``guide`` is for people (the criterion text, what to enter) and is never read.

Dates are ``YYYY-MM-DD`` (``DD/MM/YYYY`` is read too), yes/no is ``yes`` or ``no``. The file
is UTF-8 with a byte-order mark so that Excel shows accents and symbols correctly. A text
starting with ``= + - @``, a tab or a carriage return is written with a leading apostrophe
so a spreadsheet never runs it as a formula; the apostrophe is removed again on reading (a
text that itself starts with an apostrophe before one of those gets a second one).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from safeguard_qa.errors import Problem, ReturnError
from safeguard_qa.io.cells import cell_text
from safeguard_qa.io.layout import (
    RECORD_FIELDS,
    RECORD_KINDS,
    RETURN_FIELD_BY_KEY,
    RETURN_FIELDS,
    Details,
    Guide,
    RecordKind,
    criterion_guide,
)
from safeguard_qa.io.tabular import Cell, Row, Table
from safeguard_qa.loaders.files import Limits, read_text
from safeguard_qa.loaders.messages import is_personal, withheld
from safeguard_qa.models.returns import Response
from safeguard_qa.report.safe import neutralise

COLUMNS = (
    "record",
    "field",
    "criterion",
    "rating",
    "value",
    "moderated",
    "text",
    "reference",
    "date",
    "owner",
    "due",
    "status",
    "completed",
    "guide",
)
TEXT_COLUMNS = frozenset({"text", "reference", "owner", "guide"})
_RECORDS = ("return", *RECORD_KINDS)
_TEXT_FIELD: dict[RecordKind, str] = {
    "response": "commentary",
    "evidence": "description",
    "action": "description",
}
# The columns each record kind uses, mapped to the model field each one holds.
_USED: dict[str, dict[str, str]] = {
    "return": {"field": "field", "text": "text"},
    **{
        kind: {
            **{spec.key: spec.key for spec in RECORD_FIELDS[kind] if spec.key in COLUMNS},
            "text": _TEXT_FIELD[kind],
        }
        for kind in RECORD_KINDS
    },
}
_KIND: dict[str, RecordKind] = {kind: kind for kind in RECORD_KINDS}
DETAILS_PLACE = "the 'return' rows"


def protect(text: str) -> str:
    """``text`` as written to a CSV cell: never read as a formula, and reversible."""
    if _protected(text):
        return "'" + text
    return neutralise(text)


def unprotect(text: str) -> str:
    """The text :func:`protect` was given."""
    return text[1:] if text.startswith("'") and _protected(text[1:]) else text


def _protected(text: str) -> bool:
    """Does ``text`` need an apostrophe in front of it to survive a round trip?"""
    return neutralise(text) != text or (text[:1] == "'" and _protected_start(text[1:]))


def _protected_start(rest: str) -> bool:
    return rest[:1] == "'" or neutralise(rest) != rest


# --- writing -------------------------------------------------------------------------


def write_csv(details: Details, responses: Sequence[Response], guide: Guide | None) -> str:
    """The CSV text of a return (or a blank one): details, then each response's rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _rows(details, responses, guide):
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return "\ufeff" + out.getvalue()


def _rows(
    details: Details, responses: Sequence[Response], guide: Guide | None
) -> Iterator[dict[str, str]]:
    for spec in RETURN_FIELDS:
        if spec.key in details:
            text = cell_text(details[spec.key])
            yield {
                "record": "return",
                "field": spec.key,
                "text": protect(text),
                "guide": spec.label,
            }
    for response in responses:
        yield {
            "record": "response",
            "criterion": response.criterion,
            "rating": cell_text(response.rating),
            "value": cell_text(response.value),
            "moderated": cell_text(response.moderated),
            "text": protect(response.commentary),
            "guide": protect(_guide_text(guide, response.criterion)),
        }
        for item in response.evidence:
            yield {
                "record": "evidence",
                "criterion": response.criterion,
                "text": protect(item.description),
                "reference": protect(item.reference),
                "date": cell_text(item.date),
            }
        for action in response.actions:
            yield {
                "record": "action",
                "criterion": response.criterion,
                "text": protect(action.description),
                "owner": protect(action.owner),
                "due": cell_text(action.due),
                "status": action.status,
                "completed": cell_text(action.completed),
            }


def _guide_text(guide: Guide | None, criterion_id: str) -> str:
    if guide is None or criterion_id not in guide.framework.criteria:
        return ""
    return criterion_guide(guide, criterion_id)


# --- reading -------------------------------------------------------------------------


def read_csv_table(path: Path, limits: Limits) -> Table:
    """The cells of a CSV return; a ReturnError naming the line for anything malformed."""
    return csv_table(read_text(path, limits), str(path), limits)


def csv_table(text: str, file: str, limits: Limits) -> Table:
    """The cells of CSV text; problems name ``file``."""
    reader = _CsvReader(file, text, limits.max_nodes)
    table = reader.read()
    if reader.problems:
        raise ReturnError(reader.problems)
    return table


class _TooBig(Exception):
    """The file has more cells than the limit allows; stop reading."""


class _CsvReader:
    def __init__(self, file: str, text: str, max_cells: int) -> None:
        self.file = file
        self.text = text
        self.budget = max_cells
        self.problems: list[Problem] = []
        self.table = Table(file, DETAILS_PLACE)
        self.detail_lines: dict[str, int] = {}

    def problem(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def read(self) -> Table:
        reader = csv.reader(io.StringIO(self.text, newline=""), strict=True)
        header: list[str] | None = None
        line = 1
        try:
            for cells in reader:
                if header is None:
                    header = self._header(cells)
                    if header is None:
                        return self.table
                elif any(cells):
                    self._spend(len(cells), line)
                    self._row(header, cells, line)
                line = reader.line_num + 1
        except csv.Error as exc:
            self.problem(f"line {reader.line_num}", f"the CSV cannot be read: {exc}")
        except _TooBig:
            pass
        if header is None:
            self.problem("line 1", f"the file is empty; expected a header row: {','.join(COLUMNS)}")
        return self.table

    def _spend(self, cells: int, line: int) -> None:
        self.budget -= cells
        if self.budget < 0:
            self.problem(
                f"line {line}",
                "the file has too many cells (raise SAFEGUARD_QA_MAX_NODES if it is genuine)",
            )
            raise _TooBig

    def _header(self, cells: list[str]) -> list[str] | None:
        names = [cell.strip().casefold() for cell in cells]
        for number, name in enumerate(names, 1):
            if name and name not in COLUMNS:
                hint = _close(name, COLUMNS)
                if ";" in name:
                    hint = "; the file seems to use ';' between cells: save it comma-separated"
                self.problem(
                    f"line 1, column {number}",
                    f"unknown column {cells[number - 1]!r}; expected some of "
                    f"{', '.join(COLUMNS)}{hint}",
                )
            elif name and names.index(name) != number - 1:
                self.problem(f"line 1, column {number}", f"column {name!r} appears twice")
        if "record" not in names and not self.problems:
            self.problem("line 1", "expected a header row with a 'record' column")
        return None if self.problems else names

    def _row(self, header: list[str], cells: list[str], line: int) -> None:
        if len(cells) > len(header) and any(cells[len(header) :]):
            self.problem(
                f"line {line}",
                f"found {len(cells)} cells but the header has {len(header)}; "
                "is a comma in a text missing its quotes?",
            )
            return
        values = {name: cells[i] for i, name in enumerate(header) if i < len(cells) and name}
        kind = values.get("record", "").strip().casefold()
        if kind == "return":
            self._detail(values, line)
        elif kind in _KIND:
            record = _KIND[kind]
            self.table.rows[record].append(Row(f"line {line}", self._cells(record, values, line)))
        else:
            self.problem(
                f"line {line}, column record",
                f"expected one of {', '.join(_RECORDS)}; found {values.get('record', '')!r}",
            )

    def _cells(
        self, kind: str, values: dict[str, str], line: int, *, personal: bool = False
    ) -> dict[str, Cell]:
        """The non-blank cells a record uses, by model field; a problem for any other (its
        value withheld when the row is personal data, such as the signer's name)."""
        used = _USED[kind]
        found: dict[str, Cell] = {}
        for column, raw in values.items():
            value = unprotect(raw) if column in TEXT_COLUMNS else raw.strip()
            if column in ("record", "guide") or value == "":
                continue
            place = f"line {line}, column {column}"
            if column not in used:
                shown = withheld(raw) if personal else repr(raw)
                self.problem(place, f"a {kind} row leaves this column blank; found {shown}")
            else:
                found[used[column]] = Cell(value, place)
        return found

    def _detail(self, values: dict[str, str], line: int) -> None:
        personal = is_personal(values.get("field", "").strip().casefold())
        cells = self._cells("return", values, line, personal=personal)
        field = cells.pop("field", None)
        if field is None:
            self.problem(f"line {line}, column field", "expected the name of a return detail")
            return
        key = str(field.value).strip().casefold()
        if key not in RETURN_FIELD_BY_KEY:
            # a detail's name is a short key; anything else (a name typed in the wrong
            # column) may be personal data, so it is described, not shown
            name = str(field.value)
            shown = repr(name) if _DETAIL_NAME.fullmatch(name.strip()) else withheld(name)
            self.problem(
                field.place,
                f"unknown detail {shown}; expected one of "
                f"{', '.join(RETURN_FIELD_BY_KEY)}{_close(key, list(RETURN_FIELD_BY_KEY))}",
            )
        elif key in self.detail_lines:
            self.problem(
                field.place, f"{key} is given twice (first on line {self.detail_lines[key]})"
            )
        else:
            self.detail_lines[key] = line
            if "text" in cells:
                self.table.details[key] = cells["text"]
            else:
                self.table.blank_places[key] = f"line {line}, column text"


_DETAIL_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,40}")


def _close(name: str, choices: Sequence[str]) -> str:
    match = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""
