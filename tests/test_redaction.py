"""The signer's name (any value under ``sign_off``) never appears in a problem or a log.

A malformed sign-off (written as one string, a name too long, the name in the date cell or
in the wrong CSV column) used to be quoted back in the error message. Every reader now says
what kind of value it found and how long it is, never the value.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from safeguard_qa.cli import main
from safeguard_qa.errors import InputError, Problem
from safeguard_qa.io import write_return
from safeguard_qa.loaders.messages import is_personal, withheld, without_value
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.plugins import Registry
from tests.factories import build, clean_return_data

NAME = "Jane Q. Signer-Smith"
SURNAME = "Signer"
NOT_SHOWN = "not shown: personal data"

SIGN_OFFS: dict[str, Any] = {
    "one string": f"{NAME}, Headteacher",
    "name too long": {"name": NAME * 30, "role": "Head", "date": "2025-05-10"},
    "name in the date": {"name": "J", "role": "Head", "date": NAME},
    "role as a list": {"name": NAME, "role": ["Head", NAME], "date": "2025-05-10"},
    "name as a key": {NAME: "Headteacher", "date": "2025-05-10"},
    "name under a misspelt key": {"nmae": NAME, "role": "Head", "date": "2025-05-10"},
    "name as a number field": {"name": NAME, "role": "Head", "date": 20250510},
}


def _problems(path: Path, registry: Registry) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_return(path, registry=registry)
    return list(info.value.problems)


def _assert_redacted(problems: list[Problem]) -> None:
    assert problems, "the malformed sign-off must be refused"
    for problem in problems:
        assert SURNAME not in str(problem), problem
    assert any(NOT_SHOWN in str(p) or "sign_off" in str(p) for p in problems)


@pytest.mark.parametrize("label", list(SIGN_OFFS))
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_malformed_sign_off_is_refused_without_the_name(
    registry: Registry, tmp_path: Path, label: str, suffix: str
) -> None:
    data = clean_return_data(registry)
    data["sign_off"] = SIGN_OFFS[label]
    path = tmp_path / f"return{suffix}"
    text = yaml.safe_dump(data) if suffix == ".yaml" else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    _assert_redacted(_problems(path, registry))


def test_the_message_still_says_what_was_wrong(registry: Registry, tmp_path: Path) -> None:
    data = clean_return_data(registry)
    data["sign_off"] = SIGN_OFFS["name in the date"]
    path = tmp_path / "return.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    [problem] = _problems(path, registry)
    assert problem.place == "sign_off › date"
    assert problem.message == (
        f"expected a date as YYYY-MM-DD; found a text of {len(NAME)} characters ({NOT_SHOWN})"
    )


def test_values_elsewhere_are_still_quoted(registry: Registry, tmp_path: Path) -> None:
    """Redaction is for personal data only: other mistakes keep showing what was found."""
    data = clean_return_data(registry)
    data["deadline"] = "next Friday"
    path = tmp_path / "return.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    [problem] = _problems(path, registry)
    assert "'next Friday'" in problem.message


def test_validate_prints_and_logs_no_name(
    registry: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for number, sign_off in enumerate(SIGN_OFFS.values()):
        data = clean_return_data(registry, agency_id=f"agency-{number}")
        data["sign_off"] = sign_off
        (tmp_path / f"r{number}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        code = main(["--no-entry-points", "-v", "validate", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count(NOT_SHOWN) >= len(SIGN_OFFS) - 2
    assert SURNAME not in out + err + caplog.text


# --- CSV and XLSX returns ----------------------------------------------------------------


def _csv_rows(registry: Registry) -> list[list[str]]:
    data = clean_return_data(registry)
    data["sign_off"]["name"] = NAME
    text = write_return(build(data), "csv", registry=registry)
    assert isinstance(text, str)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def _detail_row(rows: list[list[str]], key: str) -> list[str]:
    return next(row for row in rows if len(row) > 1 and row[1] == key)


def _name_in_the_date(rows: list[list[str]]) -> None:
    _detail_row(rows, "sign_off.date")[rows[0].index("text")] = NAME


def _name_in_the_reference_column(rows: list[list[str]]) -> None:
    row = _detail_row(rows, "sign_off.name")
    row[rows[0].index("text")] = ""
    row[rows[0].index("reference")] = NAME


def _name_too_long(rows: list[list[str]]) -> None:
    _detail_row(rows, "sign_off.name")[rows[0].index("text")] = NAME * 30


def _name_in_the_field_column(rows: list[list[str]]) -> None:
    _detail_row(rows, "sign_off.name")[1] = NAME


@pytest.mark.parametrize(
    "change",
    [
        _name_too_long,
        _name_in_the_date,
        _name_in_the_reference_column,
        _name_in_the_field_column,
    ],
)
def test_a_csv_sign_off_in_the_wrong_place_is_refused_without_the_name(
    registry: Registry, tmp_path: Path, change: Callable[[list[list[str]]], None]
) -> None:
    rows = copy.deepcopy(_csv_rows(registry))
    change(rows)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / "return.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    _assert_redacted(_problems(path, registry))


def test_an_xlsx_sign_off_date_holding_the_name_is_refused_without_it(
    registry: Registry, tmp_path: Path
) -> None:
    data = clean_return_data(registry)
    written = write_return(build(data), "xlsx", registry=registry)
    assert isinstance(written, bytes)
    path = tmp_path / "return.xlsx"
    path.write_bytes(written)
    wb = load_workbook(path)
    signed = dt.date.fromisoformat(data["sign_off"]["date"])
    cells = [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, dt.datetime) and cell.value.date() == signed
    ]
    assert len(cells) == 1
    cells[0].value = NAME
    wb.save(path)
    _assert_redacted(_problems(path, registry))


# --- the helpers -------------------------------------------------------------------------


def test_what_is_personal() -> None:
    assert is_personal(("sign_off",))
    assert is_personal(("sign_off", "name"))
    assert is_personal("sign_off.role")
    assert not is_personal(("agency", "name"))
    assert not is_personal("agency.name")
    assert not is_personal(())


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Jo", "a text of 2 characters"),
        ("J", "a text of 1 character"),
        (7, "a number"),
        (["a"], "a list of 1 item"),
        ({"a": 1}, "a mapping"),
        (dt.date(2025, 1, 1), "a date"),
    ],
)
def test_withheld_names_the_kind_and_size_only(value: object, shown: str) -> None:
    assert withheld(value) == f"{shown} ({NOT_SHOWN})"


def test_without_value_removes_every_form_of_the_value() -> None:
    long = NAME * 5
    assert without_value(f"bad; found {NAME!r}", NAME) == f"bad; found {withheld(NAME)}"
    assert SURNAME not in without_value(f"bad; found {long[:57]!r}...", long)
    assert SURNAME not in without_value(f"found {NAME} (as typed)", NAME)
    assert without_value("nothing to hide", NAME) == "nothing to hide"
