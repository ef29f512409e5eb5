"""The Excel round trip with agencies: the template they fill in, and reading it back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from safeguard_qa.errors import ReturnError
from safeguard_qa.io import read_tabular_return, write_return, write_template
from safeguard_qa.io.xlsxfile import _Lists
from safeguard_qa.loaders.files import Limits
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry
from tests.factories import clean_return_data

DETAILS = {
    "agency.id": "police-north",
    "agency.name": "North Police",
    "period.start": dt.datetime(2024, 4, 1),
    "period.end": dt.datetime(2025, 3, 31),
}


def template(registry: Registry, folder: Path, framework: str, agency_type: str) -> Path:
    """A template with the agency's details filled in, as an agency would start."""
    data = write_template(registry.framework(framework), registry, "xlsx", agency_type)
    assert isinstance(data, bytes)
    path = folder / f"{framework}.xlsx"
    path.write_bytes(data)
    wb = load_workbook(path)
    ws = wb["Return"]
    for row in range(3, ws.max_row + 1):
        key = ws.cell(row=row, column=1).value
        if key in DETAILS:
            ws.cell(row=row, column=3).value = DETAILS[key]
    wb.save(path)
    return path


def column(ws: Worksheet, key: str) -> int:
    return next(c.column for c in ws[1] if c.value == key)


def row_of(ws: Worksheet, criterion: str) -> int:
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=2).value == criterion)


def edit(path: Path, changes: dict[tuple[str, str, str], Any]) -> None:
    """Set cells by (sheet, criterion or row number, column key)."""
    wb = load_workbook(path)
    for (sheet, row, key), value in changes.items():
        ws = wb[sheet]
        number = int(row) if row.isdigit() else row_of(ws, row)
        ws.cell(row=number, column=column(ws, key)).value = value
    wb.save(path)


def read(path: Path, registry: Registry) -> Return:
    return read_tabular_return(path, "xlsx", Limits(), registry=registry)


def problems(path: Path, registry: Registry) -> list[tuple[str, str]]:
    with pytest.raises(ReturnError) as raised:
        read(path, registry)
    return [(p.place, p.message) for p in raised.value.problems]


def choices(ws: Worksheet, coordinate: str) -> list[str]:
    for validation in ws.data_validations.dataValidation:
        if validation.type == "list" and coordinate in validation.sqref:
            return str(validation.formula1).strip('"').split(",")
    return []


# --- every problem in one pass ---------------------------------------------------------


def test_a_workbook_with_typos_in_several_cells_is_reported_in_one_pass(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(
        path,
        {
            ("Responses", "S11-1.1", "response.rating"): "Gren",
            ("Responses", "S11-1.2", "response.rating"): "purple",
            ("Responses", "S11-1.3", "response.rating"): "Amber",
            ("Evidence", "3", "evidence.criterion"): "S11-1.1",
            ("Evidence", "3", "evidence.description"): "Board minutes",
            ("Evidence", "3", "evidence.date"): "31/02/2025",
            ("Actions", "3", "action.criterion"): "S11-1.l",
            ("Actions", "3", "action.description"): "Train staff",
            ("Actions", "3", "action.status"): "Compete",
            ("Return", "5", "return.value"): None,  # the agency id left blank
        },
    )
    found = problems(path, registry)
    messages = dict(found)
    assert (
        "'Gren' is not on the brag scale" in messages["sheet Responses, row 3, column E (Rating)"]
    )
    assert messages["sheet Responses, row 3, column E (Rating)"].endswith("did you mean 'Green'?")
    assert (
        "'purple' is not on the brag scale" in messages["sheet Responses, row 4, column E (Rating)"]
    )
    assert (
        "which is not a real date (February 2025 has 28 days)"
        in messages["sheet Evidence, row 3, column E (Date)"]
    )
    assert messages["sheet Actions, row 3, column F (Status)"].endswith(
        "found 'Compete'; did you mean 'complete'?"
    )
    assert "did you mean 'S11-1.1'?" in messages["sheet Actions, row 3, column B (Ref)"]
    assert messages["sheet Return, row 5, column C (Answer)"] == (
        "agency › id: required field is missing"
    )
    assert len(found) == 6  # the Amber is fine; nothing is reported twice


def test_an_unknown_criterion_ref_is_placed_with_a_suggestion(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(path, {("Responses", "S11-1.1", "response.criterion"): "S11-1.l"})
    assert problems(path, registry) == [
        (
            "sheet Responses, row 3, column B (Ref)",
            f"no criterion 'S11-1.l' in framework s11-wt2023 "
            f"{registry.framework('s11-wt2023').version}; did you mean 'S11-1.1'?",
        )
    ]


# --- drop-downs, colours, protection, printing -----------------------------------------


def test_drop_downs_show_labels_and_read_back_as_level_ids(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-key-features", "police")
    ws = load_workbook(path)["Responses"]
    rating = column(ws, "response.rating")
    assert choices(ws, ws.cell(row=3, column=rating).coordinate) == [
        "Not met",
        "Partially met",
        "Mostly met",
        "Fully met",
        "N/A",
    ]
    first, second, third = (str(ws.cell(row=r, column=2).value) for r in (3, 4, 5))
    edit(
        path,
        {
            ("Responses", first, "response.rating"): "Partially met",
            ("Responses", second, "response.rating"): "fully_met",
            ("Responses", third, "response.moderated"): "Mostly met",
        },
    )
    ret = read(path, registry)
    assert ret.by_criterion[first].rating == "partially_met"
    assert ret.by_criterion[second].rating == "fully_met"
    assert ret.by_criterion[third].moderated == "mostly_met"


def test_a_numbered_level_and_n_a_read_back_from_their_labels(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s175-kcsie", "academy")
    ws = load_workbook(path)["Responses"]
    rating = column(ws, "response.rating")
    rated = [
        str(ws.cell(row=r, column=2).value)
        for r in range(3, ws.max_row + 1)
        if "1 - fully embedded" in choices(ws, ws.cell(row=r, column=rating).coordinate)
    ]
    edit(
        path,
        {
            ("Responses", rated[0], "response.rating"): "1 - fully embedded",
            ("Responses", rated[1], "response.rating"): "3 - partly in place",
            ("Responses", rated[2], "response.rating"): "N/A",
        },
    )
    ret = read(path, registry)
    assert [ret.by_criterion[c].rating for c in rated[:3]] == ["1", "3", "na"]


def test_numeric_items_carry_no_rating_drop_down_and_take_a_figure(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    ws = load_workbook(path)["Responses"]
    row = row_of(ws, "S11-4.4")  # a percentage
    rating = ws.cell(row=row, column=column(ws, "response.rating"))
    figure = ws.cell(row=row, column=column(ws, "response.value"))
    assert choices(ws, rating.coordinate) == []
    assert rating.protection.locked
    assert not figure.protection.locked
    rated = ws.cell(row=row_of(ws, "S11-1.1"), column=column(ws, "response.rating"))
    assert choices(ws, rated.coordinate)[:3] == ["Red", "Amber", "Green"]
    assert not rated.protection.locked


def test_ratings_are_coloured_by_conditional_formatting(registry: Registry, tmp_path: Path) -> None:
    path = template(registry, tmp_path, "s175-kcsie", "academy")
    ws = load_workbook(path)["Responses"]
    fills: dict[str, str] = {}
    for formatting in ws.conditional_formatting:
        for rule in formatting.rules:
            fills[rule.formula[0]] = rule.dxf.fill.fgColor.rgb
    rating = ws.cell(row=3, column=column(ws, "response.rating")).coordinate
    embedded = f'OR({rating}="1",{rating}="1 - fully embedded",{rating}=1)'
    not_in_place = f'OR({rating}="4",{rating}="4 - not in place",{rating}=4)'
    assert fills[embedded].endswith("BDD7EE")  # blue: on the reversed scale, 1 is best
    assert fills[not_in_place].endswith("FFC7CE")  # red


def test_the_structure_is_protected_with_the_answer_cells_open(
    registry: Registry, tmp_path: Path
) -> None:
    wb = load_workbook(template(registry, tmp_path, "s11-wt2023", "police"))
    responses = wb["Responses"]
    assert responses.protection.sheet
    assert not responses.protection.password  # documented: no password
    assert not responses.protection.sort  # sorting stays allowed
    row = row_of(responses, "S11-1.1")
    for key in ("response.criterion", "info.text", "response.order"):
        assert responses.cell(row=row, column=column(responses, key)).protection.locked, key
    for key in ("response.rating", "response.commentary", "response.moderated"):
        assert not responses.cell(row=row, column=column(responses, key)).protection.locked, key
    evidence = wb["Evidence"]
    assert evidence.protection.sheet
    assert not evidence.protection.insertRows
    assert not evidence.cell(
        row=50, column=column(evidence, "evidence.description")
    ).protection.locked
    agency = wb["Return"].cell(row=5, column=3)
    assert not agency.protection.locked


def test_every_sheet_prints_on_a4_fitted_to_the_width_with_its_header(
    registry: Registry, tmp_path: Path
) -> None:
    wb = load_workbook(template(registry, tmp_path, "s11-wt2023", "police"))
    for title in ("Return", "Responses", "Evidence", "Actions"):
        ws = wb[title]
        assert ws.page_setup.orientation == "landscape", title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$2:$2"


def test_a_long_or_comma_list_goes_on_a_hidden_sheet() -> None:
    wb = Workbook()
    lists = _Lists(wb)
    assert lists.formula(("Red", "Amber")) == '"Red,Amber"'
    assert lists.formula(("Good, with gaps", "Poor")) == "'_lists'!$A$1:$A$2"
    assert lists.formula(tuple(f"level {n} " + "x" * 20 for n in range(12))) == (
        "'_lists'!$B$1:$B$12"
    )
    lists.finish()
    assert wb["_lists"].sheet_state == "hidden"
    assert wb["_lists"]["A1"].value == "Good, with gaps"


# --- percentages and dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number_format", "read"),
    [
        (0.82, "General", 82.0),  # a fraction typed for a percentage
        (0.825, "General", 82.5),
        (82, "General", 82.0),
        (1, "General", 1.0),  # 0 and 1 are read as typed: type 100 for 100%
        (0, "General", 0.0),
        (0.82, "0%", 82.0),  # Excel holds 82% as 0.82
        (0.5, "0.00", 0.5),  # a number format someone chose: as typed
    ],
)
def test_a_percentage_typed_as_a_fraction_is_a_percentage(
    registry: Registry, tmp_path: Path, typed: float, number_format: str, read: float
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    wb = load_workbook(path)
    ws = wb["Responses"]
    cell = ws.cell(row=row_of(ws, "S11-4.4"), column=column(ws, "response.value"))
    cell.value, cell.number_format = typed, number_format
    wb.save(path)
    assert (
        read_tabular_return(path, "xlsx", Limits(), registry=registry).by_criterion["S11-4.4"].value
        == read
    )


def test_a_count_typed_below_one_stays_as_typed(registry: Registry, tmp_path: Path) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(path, {("Responses", "S11-11.2", "response.value"): 0.5})  # a count, not a percentage
    assert read(path, registry).by_criterion["S11-11.2"].value == 0.5


def test_a_written_return_with_a_figure_below_one_reads_back_unchanged(
    registry: Registry, tmp_path: Path
) -> None:
    data = clean_return_data(registry, "s11-wt2023")
    for response in data["responses"]:
        if response["criterion"] == "S11-4.4":
            response["value"] = 0.5  # half a per cent, really
    ret = Return.model_validate(data)
    path = tmp_path / "r.xlsx"
    path.write_bytes(bytes(write_return(ret, "xlsx", registry=registry)))
    assert read(path, registry) == ret


@pytest.mark.parametrize(
    ("typed", "date"),
    [
        ("28 May 2025", dt.date(2025, 5, 28)),
        ("28-05-2025", dt.date(2025, 5, 28)),
        ("31/1/25", dt.date(2025, 1, 31)),
        ("2025-05-28", dt.date(2025, 5, 28)),
        ("04/05/25", dt.date(2025, 5, 4)),  # day first, as in England
        ("28th May 25", dt.date(2025, 5, 28)),
    ],
)
def test_dates_are_read_in_the_forms_people_type(
    registry: Registry, tmp_path: Path, typed: str, date: dt.date
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(
        path,
        {
            ("Evidence", "3", "evidence.criterion"): "S11-1.1",
            ("Evidence", "3", "evidence.description"): "Board minutes",
            ("Evidence", "3", "evidence.date"): typed,
        },
    )
    assert read(path, registry).by_criterion["S11-1.1"].evidence[0].date == date


def test_a_month_first_date_is_refused_with_the_day_first_reading(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(
        path,
        {
            ("Evidence", "3", "evidence.criterion"): "S11-1.1",
            ("Evidence", "3", "evidence.description"): "Board minutes",
            ("Evidence", "3", "evidence.date"): "5/28/2025",
        },
    )
    [(place, message)] = problems(path, registry)
    assert place == "sheet Evidence, row 3, column E (Date)"
    assert message.endswith(
        "which has no month 28 (dates are read day first, as in England); did you mean 28/05/2025?"
    )
