"""Bad CSV and XLSX returns: every problem names the file and its place, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from safeguard_qa.cli import main
from safeguard_qa.errors import ReturnError
from safeguard_qa.io import read_tabular_return, write_return
from safeguard_qa.loaders.files import Limits
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry
from tests.factories import clean_return_data

HEADER = "record,field,criterion,rating,value,moderated,text,reference,date,owner,due,status\n"
DETAILS = (
    "return,framework,,,,,s11-wt2023\n"
    "return,framework_version,,,,,2023.1\n"
    "return,agency.id,,,,,police-a\n"
    "return,agency.name,,,,,Police A\n"
    "return,agency.type,,,,,police\n"
    "return,period.start,,,,,2024-04-01\n"
    "return,period.end,,,,,2025-03-31\n"
)


def _problems(path: Path, registry: Registry | None = None) -> list[tuple[str, str]]:
    fmt = path.suffix[1:]
    with pytest.raises(ReturnError) as caught:
        read_tabular_return(path, fmt, Limits(), registry=registry)
    for problem in caught.value.problems:
        assert problem.file == str(path)
    return [(p.place, p.message) for p in caught.value.problems]


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "return.csv"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def xlsx(registry: Registry, tmp_path: Path) -> Path:
    ret = Return.model_validate(clean_return_data(registry, "s11-wt2023"))
    path = tmp_path / "return.xlsx"
    data = write_return(ret, "xlsx", registry=registry)
    assert isinstance(data, bytes)
    path.write_bytes(data)
    return path


def _set_cell(path: Path, sheet: str, coordinate: str, value: object) -> None:
    wb = load_workbook(path)
    wb[sheet][coordinate].value = value
    wb.save(path)


# --- CSV -------------------------------------------------------------------------------


def test_a_valid_csv_reads(tmp_path: Path) -> None:
    ret = load_return(_csv(tmp_path, HEADER + DETAILS + "response,,S11-1.1,green\n"))
    assert ret.responses[0].rating == "green"


def test_an_unclosed_quote_names_the_line(tmp_path: Path) -> None:
    body = HEADER + DETAILS + 'response,,S11-1.1,green,,,"never closed\n'
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place.startswith("line ")
    assert "the CSV cannot be read" in message


def test_a_stray_quote_names_its_line(tmp_path: Path) -> None:
    body = HEADER + DETAILS + 'response,,S11-1.1,green,,,"quoted"then text\n'
    assert _problems(_csv(tmp_path, body))[0][0] == "line 9"


def test_too_many_cells_names_the_line(tmp_path: Path) -> None:
    body = HEADER + DETAILS + "response,,S11-1.1,green,,,a,b,c,d,e,f,g,h\n"
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place == "line 9"
    assert "the header has 12" in message


def test_an_unknown_record_names_line_and_column(tmp_path: Path) -> None:
    body = HEADER + DETAILS + "answer,,S11-1.1,green\n"
    assert _problems(_csv(tmp_path, body)) == [
        (
            "line 9, column record",
            "expected one of return, response, evidence, action; found 'answer'",
        )
    ]


def test_an_unknown_header_names_the_column(tmp_path: Path) -> None:
    body = "record,feild,criterion\n"
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place == "line 1, column 2"
    assert "did you mean 'field'?" in message


def test_a_semicolon_separated_file_is_explained(tmp_path: Path) -> None:
    [(_, message)] = _problems(_csv(tmp_path, "record;field;text\n"))
    assert "save it comma-separated" in message


def test_bad_values_name_line_and_column(tmp_path: Path) -> None:
    body = (
        HEADER
        + DETAILS.replace("2024-04-01", "1st April")
        + "response,,S11-1.1,Very good,lots\n"
        + "action,,S11-1.1,,,,Do it,,,,,someday\n"
    )
    problems = dict(_problems(_csv(tmp_path, body)))
    assert "expected a date" in problems["line 7, column text"]
    assert "expected a rating" in problems["line 9, column rating"]
    assert "expected a number" in problems["line 9, column value"]
    assert "not_started, in_progress, complete" in problems["line 10, column status"]


def test_evidence_for_an_unanswered_criterion_is_an_error(tmp_path: Path) -> None:
    body = HEADER + DETAILS + "evidence,,S11-9.9,,,,Policy\n"
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place == "line 9, column criterion"
    assert "'S11-9.9', which has no response row" in message


def test_a_second_response_to_a_criterion_is_an_error(tmp_path: Path) -> None:
    body = HEADER + DETAILS + "response,,S11-1.1,green\nresponse,,S11-1.1,red\n"
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place == "line 10, column criterion"
    assert "already has a response (line 9)" in message


def test_a_cell_the_record_does_not_use_is_an_error(tmp_path: Path) -> None:
    body = HEADER + DETAILS + "evidence,,S11-1.1,green\n"
    [(place, _)] = _problems(_csv(tmp_path, body + "response,,S11-1.1\n"))
    assert place == "line 9, column rating"


def test_a_missing_detail_is_named(tmp_path: Path) -> None:
    body = HEADER + DETAILS.replace("return,agency.id,,,,,police-a\n", "")
    assert _problems(_csv(tmp_path, body)) == [
        ("the 'return' rows, agency.id", "required field is missing")
    ]


def test_period_ending_before_it_starts_is_placed_at_the_end(tmp_path: Path) -> None:
    body = HEADER + DETAILS.replace("2025-03-31", "2023-03-31")
    [(place, message)] = _problems(_csv(tmp_path, body))
    assert place == "line 8, column text"
    assert "ends (2023-03-31) before it starts" in message


# --- XLSX ------------------------------------------------------------------------------


def test_a_rating_not_on_the_scale_names_sheet_row_and_column(
    xlsx: Path, registry: Registry
) -> None:
    _set_cell(xlsx, "Responses", "E4", "purple")
    assert _problems(xlsx, registry) == [
        (
            "sheet Responses, row 4, column E (Rating)",
            "'purple' is not on the brag scale; expected one of red, amber, green, blue, na",
        )
    ]


@pytest.mark.parametrize("with_registry", [False, True])
def test_a_rating_that_is_no_id_names_the_cell(
    xlsx: Path, registry: Registry, with_registry: bool
) -> None:
    _set_cell(xlsx, "Responses", "E5", "Very good!")
    [(place, message)] = _problems(xlsx, registry if with_registry else None)
    assert place == "sheet Responses, row 5, column E (Rating)"
    assert "'Very good!'" in message


def test_a_rating_label_is_read_as_its_level(registry: Registry, tmp_path: Path) -> None:
    body = (
        HEADER
        + DETAILS.replace("s11-wt2023", "s11-key-features").replace("2023.1", "2007.1")
        + "response,,KF-1.1,Partially met\nresponse,,KF-1.2,MOSTLY_MET\n"
    )
    ret = read_tabular_return(_csv(tmp_path, body), "csv", Limits(), registry=registry)
    assert [r.rating for r in ret.responses] == ["partially_met", "MOSTLY_MET"]


def test_a_bad_date_names_sheet_row_and_column(xlsx: Path) -> None:
    _set_cell(xlsx, "Evidence", "E3", "last spring")
    [(place, message)] = _problems(xlsx)
    assert place == "sheet Evidence, row 3, column E (Date)"
    assert "expected a date" in message


def test_a_blank_required_detail_names_its_cell(xlsx: Path) -> None:
    _set_cell(xlsx, "Return", "C5", None)
    assert _problems(xlsx) == [
        ("sheet Return, row 5, column C (Answer)", "agency › id: required field is missing")
    ]


def test_a_workbook_without_hidden_keys_is_explained(xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    wb["Responses"].delete_rows(1)
    wb.save(xlsx)
    [(_, message)] = _problems(xlsx)
    assert "no Responses sheet found" in message


def test_a_file_that_is_not_a_workbook_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "return.xlsx"
    path.write_text("record,field\n", encoding="utf-8")
    [(_, message)] = _problems(path)
    assert "expected an Excel .xlsx workbook" in message


def test_a_workbook_over_the_cell_limit_is_refused(xlsx: Path) -> None:
    with pytest.raises(ReturnError, match="too many cells"):
        read_tabular_return(xlsx, "xlsx", Limits(max_nodes=50))


def test_validate_prints_the_place_and_exits_2(
    xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_cell(xlsx, "Responses", "E5", "Very good!")
    assert main(["--no-entry-points", "validate", str(xlsx)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{xlsx}: sheet Responses, row 5, column E (Rating): 'Very good!' is not on the brag "
        "scale; expected one of red, amber, green, blue" in err
    )
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["return.csv", "return.xlsx"])
def test_a_missing_or_oversized_file_is_a_return_error(tmp_path: Path, name: str) -> None:
    assert _problems(tmp_path / name) == [("", "no such file")]
    (tmp_path / name).write_bytes(b"x" * 100)
    with pytest.raises(ReturnError, match="over the limit of 10"):
        read_tabular_return(tmp_path / name, name[-4:].lstrip("."), Limits(max_bytes=10))


def test_a_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "return.csv"
    path.write_bytes(
        (HEADER + DETAILS).encode("utf-8") + "return,agency.name,,,,,Café\n".encode("cp1252")
    )
    [(place, message)] = _problems(path)
    assert place == "line 9"
    assert "save the file as UTF-8" in message
