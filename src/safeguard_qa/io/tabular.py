"""Reading returns from CSV and XLSX: from cells to a validated :class:`Return`.

The format readers (:mod:`safeguard_qa.io.csvfile`, :mod:`safeguard_qa.io.xlsxfile`) only
find cells: the return's details by key, and rows of responses, evidence and actions, each
cell with its place ("sheet Responses, row 7, column F (Rating)" or "line 12, column
rating"). This module turns them into a return, so every problem — a bad date, an unknown
status, a rating not on the scale, an unknown criterion, a pydantic validation error — is
reported at its cell, all of them in one pass, with "did you mean" where a near miss is found.

A percentage typed as 0.82 is 82%: on a percent item, a number strictly between 0 and 1 in
a cell whose number format is General (what a cell has until someone formats it) is read as
a fraction and multiplied by 100. 0 and 1 are read as typed (0% and 1%): to enter 100%,
type 100. A cell formatted as a percentage (Excel stores 82% as 0.82) is always multiplied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from safeguard_qa.errors import InputError, Problem, ReturnError
from safeguard_qa.io.cells import as_id, convert, did_you_mean, is_id, label_id
from safeguard_qa.io.layout import (
    RECORD_FIELDS,
    RETURN_FIELD_BY_KEY,
    Field,
    RecordKind,
)
from safeguard_qa.loaders.files import Limits, decode_text, read_bytes, within_limit
from safeguard_qa.loaders.messages import is_personal, problems_from_validation, without_value
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.returns import Return
from safeguard_qa.models.scale import NA, Scale

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Cell:
    """A non-empty cell as read, and where it is. ``number_format`` is the spreadsheet's
    format of a number cell ("General", "0.0%"...); None for text cells and CSV."""

    value: object
    place: str
    number_format: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One response, evidence or action row: its place and its non-empty cells by field key."""

    place: str
    cells: Mapping[str, Cell]


@dataclass
class Table:
    """Everything a format reader found in one file, in the order to keep."""

    file: str
    details_place: str
    details: dict[str, Cell] = field(default_factory=dict)
    blank_places: dict[str, str] = field(default_factory=dict)
    rows: dict[RecordKind, list[Row]] = field(
        default_factory=lambda: {"response": [], "evidence": [], "action": []}
    )


def read_tabular_return(
    path: Path, fmt: str, limits: Limits, registry: Registry | None = None
) -> Return:
    """Read a CSV or XLSX return. With ``registry``, ratings are checked against the scale
    of the framework the return names, so a bad rating is reported at its cell."""
    try:
        data = read_bytes(path, limits)
    except InputError as exc:  # missing or too large: still an unreadable return
        raise ReturnError(exc.problems) from None
    return tabular_return(data, str(path), fmt, limits, registry)


def tabular_return(
    data: bytes, file: str, fmt: str, limits: Limits, registry: Registry | None = None
) -> Return:
    """A CSV or XLSX return from its bytes (an upload); problems name ``file``."""
    try:
        if fmt == "csv":
            from safeguard_qa.io.csvfile import csv_table

            table = csv_table(decode_text(within_limit(data, file, limits), file), file, limits)
        else:
            from safeguard_qa.io.xlsxfile import xlsx_table

            table = xlsx_table(data, file, limits)
    except ReturnError:
        raise
    except InputError as exc:  # missing, too large, not UTF-8: still an unreadable return
        raise ReturnError(exc.problems) from None
    return assemble(table, registry)


def assemble(table: Table, registry: Registry | None = None) -> Return:
    """The return the table holds; a ReturnError listing every problem, each at its cell.

    Every check runs whatever the others found, so one pass reports everything: a cell that
    could not be read is left out of the later checks instead of being reported twice."""
    builder = _Builder(table)
    data = builder.build()
    if registry is not None:
        builder.check_against_framework(data, registry)
    builder.check_rating_ids(data)
    ret: Return | None = None
    try:
        ret = Return.model_validate(data)
    except ValidationError as exc:
        builder.add_validation_problems(exc, data)
    if builder.problems or ret is None:
        raise ReturnError(builder.problems)
    return ret


class _Builder:
    """Builds the plain data of a return from a table, remembering each value's cell."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.problems: list[Problem] = []
        self.cells: dict[Loc, Cell] = {}
        self.places: dict[Loc, str] = {(): table.details_place}
        for key, place in table.blank_places.items():
            loc = tuple(key.split("."))
            self.places[loc] = place
            if len(loc) > 1:  # a wholly blank group (the period) is placed at its first cell
                self.places.setdefault(loc[:1], place)

    def problem(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.table.file, place, message))

    def value(self, cell: Cell, spec: Field, loc: Loc) -> object:
        self.places[loc] = cell.place
        self.cells[loc] = cell
        try:
            return convert(cell.value, spec.kind)
        except ValueError as exc:
            message = str(exc)
            if is_personal(loc):  # e.g. the signer's name typed into the sign-off date
                message = without_value(message, cell.value)
            self.problem(cell.place, message)
            return None

    def build(self) -> dict[str, Any]:
        data = self._details()
        data["responses"] = self._responses()
        return data

    def _details(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, cell in self.table.details.items():
            spec = RETURN_FIELD_BY_KEY[key]
            loc: Loc = tuple(key.split("."))
            target = data
            for part in loc[:-1]:
                target = target.setdefault(str(part), {})
            target[str(loc[-1])] = self.value(cell, spec, loc)
        if "period.end" in self.table.details:  # "ends before it starts" belongs there
            self.places[("period",)] = self.table.details["period.end"].place
        # A blank cell and an empty text are the same in a spreadsheet: blank text is "".
        # A sign-off is given when any part of it is (its date is required).
        for group, key in (("agency", "name"), ("sign_off", "name"), ("sign_off", "role")):
            if group in data:
                data[group].setdefault(key, "")
        return data

    def _responses(self) -> list[dict[str, Any]]:
        responses: list[dict[str, Any]] = []
        index_of: dict[str, int] = {}
        for row in self.table.rows["response"]:
            number = len(responses)
            response = self._record(row, "response", ("responses", number))
            criterion = response.get("criterion")
            if isinstance(criterion, str) and criterion in index_of:
                first = self.places[("responses", index_of[criterion])]
                self.problem(
                    row.cells["criterion"].place,
                    f"criterion {criterion!r} already has a response ({first}); keep one",
                )
                continue
            if isinstance(criterion, str):
                index_of[criterion] = number
            responses.append(response)
        self._attach("evidence", "evidence", responses, index_of)
        self._attach("action", "actions", responses, index_of)
        return responses

    def _attach(
        self,
        kind: RecordKind,
        key: str,
        responses: list[dict[str, Any]],
        index_of: dict[str, int],
    ) -> None:
        """Give each evidence or action row to the response for its criterion."""
        for row in self.table.rows[kind]:
            criterion_cell = row.cells.get("criterion")
            ident = _ident(criterion_cell.value) if criterion_cell else ""
            number = index_of.get(ident)
            if number is None:
                place = criterion_cell.place if criterion_cell else row.place
                wanted = f"criterion {ident!r}, which has no response row" if ident else "none"
                self.problem(
                    place,
                    f"expected the Ref of a criterion with a response; found {wanted}"
                    + (did_you_mean(ident, index_of) if ident else ""),
                )
                self._record(row, kind, ("unattached", kind, row.place))  # its cells' problems
                continue
            items = responses[number].setdefault(key, [])
            item = self._record(row, kind, ("responses", number, key, len(items)))
            item.pop("criterion", None)
            items.append(item)

    def _record(self, row: Row, kind: RecordKind, loc: Loc) -> dict[str, Any]:
        self.places[loc] = row.place
        record = {
            spec.key: self.value(row.cells[spec.key], spec, (*loc, spec.key))
            for spec in RECORD_FIELDS[kind]
            if spec.key in row.cells
        }
        if kind != "response":  # a blank description is an empty one, as for any text
            record.setdefault("description", "")
        return record

    def check_against_framework(self, data: dict[str, Any], registry: Registry) -> None:
        """Each criterion must be in the framework, each rating and moderated rating a level
        of its criterion's scale; a percentage typed as a fraction is made a percentage."""
        framework = _installed(registry, data.get("framework"), data.get("framework_version"))
        if framework is None:
            return  # check_return names the missing framework
        for number, response in enumerate(data["responses"]):
            given = response.get("criterion")
            criterion = framework.criteria.get(str(given))
            if criterion is None:
                if isinstance(given, str):
                    self.problem(
                        self.places[("responses", number, "criterion")],
                        f"no criterion {given!r} in framework {framework.id} "
                        f"{framework.version}" + did_you_mean(given, framework.criteria),
                    )
                continue
            scale = registry.scale_for(framework, criterion)
            for key in ("rating", "moderated"):
                rating = response.get(key)
                if isinstance(rating, str):
                    response[key] = self._level(rating, scale, key, ("responses", number, key))
            if criterion.answer.type == "numeric" and criterion.answer.unit == "percent":
                self._percentage(response, ("responses", number, "value"))

    def _percentage(self, response: dict[str, Any], loc: Loc) -> None:
        value, cell = response.get("value"), self.cells.get(loc)
        general = cell is not None and cell.number_format == "General"
        if general and isinstance(value, float) and 0 < value < 1:
            response["value"] = round(value * 100, 9)  # 0.82 typed for 82%

    def check_rating_ids(self, data: dict[str, Any]) -> None:
        """A rating no scale could hold (a sentence, a symbol) is named at its cell."""
        reported = {problem.place for problem in self.problems}
        for number, response in enumerate(data["responses"]):
            for key in ("rating", "moderated"):
                given = response.get(key)
                place = self.places.get(("responses", number, key))
                if isinstance(given, str) and place not in reported and not is_id(given):
                    self.problem(
                        str(place),
                        "expected a rating from the list (letters, digits, '.', '-' or '_'); "
                        f"found {given!r}",
                    )
                    response[key] = None

    def _level(self, given: str, scale: Scale | None, key: str, loc: Loc) -> str:
        if key == "rating" and given.casefold() == NA:
            return given  # whether N/A is allowed depends on the agency: check_return says
        level = scale.level(given) if scale is not None else None
        if scale is not None and level is None:
            by_label = {lv.label.casefold(): lv for lv in scale.levels}
            by_label.update({label_id(lv.label): lv for lv in scale.levels})
            level = by_label.get(given.casefold())
        if level is not None:
            return level.id if level.id.casefold() != given.casefold() else given
        if scale is None:
            self.problem(self.places[loc], f"this criterion takes no rating; found {given!r}")
        else:
            names = [*scale.level_ids(), *(lv.label for lv in scale.levels)]
            self.problem(
                self.places[loc],
                f"{given!r} is not on the {scale.id} scale; expected one of "
                f"{', '.join(scale.level_ids())}{', na' if key == 'rating' else ''}"
                + did_you_mean(given, names),
            )
        return given

    def add_validation_problems(self, exc: ValidationError, data: dict[str, Any]) -> None:
        """The model's problems, each at its cell; none where a problem is already placed
        (a cell that could not be read was left blank, and the model misses it too)."""
        described = problems_from_validation(self.table.file, exc, data, Return)
        reported = {problem.place for problem in self.problems}
        for error, problem in zip(exc.errors(include_url=False), described, strict=True):
            place, at_cell = self._place(tuple(error["loc"]))
            if place in reported:
                continue
            # a cell's place does not say what the value is: the model's path does
            message = f"{problem.place}: {problem.message}" if at_cell else problem.message
            self.problems.append(Problem(self.table.file, place, message))

    def _place(self, loc: Loc) -> tuple[str, bool]:
        """The cell of ``loc`` (and True), or else the place of its nearest parent with the
        rest of the path after it."""
        for cut in range(len(loc), 0, -1):
            place = self.places.get(loc[:cut])
            if place is not None:
                rest = [str(part) for part in loc[cut:] if isinstance(part, str)]
                return (" › ".join([place, *rest]), False) if rest else (place, True)
        key = ".".join(str(part) for part in loc)
        return (f"{self.table.details_place}, {key}" if key else self.table.details_place), False


def _ident(value: object) -> str:
    try:
        return as_id(value)
    except ValueError:
        return str(value).strip()


def _installed(registry: Registry, framework_id: object, version: object) -> Framework | None:
    for (fw_id, fw_version), framework in registry.frameworks().items():
        if fw_id == framework_id and fw_version == version:
            return framework
    return None
