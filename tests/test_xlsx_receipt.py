"""The validation receipt: the agency's own workbook with every problem marked and listed."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from safeguard_qa.errors import Problem, ReturnError
from safeguard_qa.io import read_tabular_return
from safeguard_qa.io.receipt import write_receipt
from safeguard_qa.loaders.files import Limits
from safeguard_qa.loaders.returns import check_return
from safeguard_qa.plugins import Registry
from tests.hostile_workbooks import shared_strings_bomb_xlsx
from tests.test_xlsx_agency_round_trip import edit, template


def read_problems(path: Path, registry: Registry) -> list[Problem]:
    with pytest.raises(ReturnError) as raised:
        read_tabular_return(path, "xlsx", Limits(), registry=registry)
    return list(raised.value.problems)


@pytest.fixture
def typos(registry: Registry, tmp_path: Path) -> Path:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(
        path,
        {
            ("Responses", "S11-1.1", "response.rating"): "Gren",
            ("Evidence", "3", "evidence.criterion"): "S11-1.1",
            ("Evidence", "3", "evidence.description"): "Board minutes",
            ("Evidence", "3", "evidence.date"): "31/02/2025",
        },
    )
    return path


def test_a_receipt_marks_each_problem_on_its_cell_and_lists_it(
    registry: Registry, typos: Path
) -> None:
    before = hashlib.sha256(typos.read_bytes()).hexdigest()
    problems = read_problems(typos, registry)
    receipt = load_workbook(io.BytesIO(write_receipt(typos, problems)))

    assert hashlib.sha256(typos.read_bytes()).hexdigest() == before  # the source untouched
    assert receipt.sheetnames[0] == "Problems"
    assert receipt.active is not None
    assert receipt.active.title == "Problems"
    rating = receipt["Responses"]["E3"]
    assert rating.comment is not None
    assert "did you mean 'Green'?" in rating.comment.text
    assert rating.fill.fgColor.rgb.endswith("FFC7CE")
    date = receipt["Evidence"]["E3"]
    assert date.comment is not None
    assert "not a real date" in date.comment.text
    listed = [
        tuple(cell.value for cell in row)
        for row in receipt["Problems"].iter_rows(min_row=2, max_col=3)
    ]
    assert sorted(listed) == [("Evidence", "E3", "error"), ("Responses", "E3", "error")]
    link = receipt["Problems"]["B2"].hyperlink
    assert link is not None
    assert f"'{listed[0][0]}'!E3" in str(link.location or link.target)
    # the agency keeps answering in its own workbook: the receipt reads as the source did
    assert [str(p).split(": ", 1)[1] for p in read_problems(_saved(typos, receipt), registry)] == [
        str(p).split(": ", 1)[1] for p in problems
    ]


def _saved(source: Path, receipt: object) -> Path:
    path = source.with_name("receipt.xlsx")
    receipt.save(path)  # type: ignore[attr-defined]
    return path


def test_problems_from_checking_against_the_framework_are_placed_too(
    registry: Registry, tmp_path: Path
) -> None:
    path = template(registry, tmp_path, "s11-wt2023", "police")
    edit(path, {("Responses", "S11-1.2", "response.rating"): "N/A"})
    ret = read_tabular_return(path, "xlsx", Limits(), registry=registry)
    problems = [p for p in check_return(ret, registry, str(path)) if p.level == "error"]
    assert [p.place for p in problems] == ["standard S11-1 › criterion S11-1.2 › rating"]
    extra = [
        Problem(str(path), "agency › type", "framework is for police; found 'polce'"),
        Problem(str(path), "part xl/styles.xml", "a problem with no cell"),
    ]
    receipt = load_workbook(io.BytesIO(write_receipt(path, [*problems, *extra])))
    responses = receipt["Responses"]
    row = next(r for r in range(3, responses.max_row + 1) if responses[f"B{r}"].value == "S11-1.2")
    comment = responses[f"E{row}"].comment
    assert comment is not None
    assert "N/A is not allowed" in comment.text
    details = receipt["Return"]
    agency_type = next(r for r in range(3, 20) if details[f"A{r}"].value == "agency.type")
    assert details[f"C{agency_type}"].comment is not None
    last = [cell.value for cell in receipt["Problems"][4]]
    assert last == [None, None, "error", "part xl/styles.xml: a problem with no cell"]


def test_a_receipt_is_the_same_bytes_each_time(registry: Registry, typos: Path) -> None:
    problems = read_problems(typos, registry)
    assert write_receipt(typos, problems) == write_receipt(typos, problems)


def test_no_receipt_is_made_of_a_workbook_the_reader_refuses(tmp_path: Path) -> None:
    bomb = shared_strings_bomb_xlsx(tmp_path)
    with pytest.raises(ReturnError, match="zip bomb"):
        write_receipt(bomb, [])
