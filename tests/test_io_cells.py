"""What spreadsheets do to values, undone: cells to model values, and the text escapes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from safeguard_qa.errors import ReturnError
from safeguard_qa.io import write_return
from safeguard_qa.io.cells import convert
from safeguard_qa.io.csvfile import protect, unprotect
from safeguard_qa.io.layout import FieldKind
from safeguard_qa.io.workbook import escape_text, unescape_text
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.plugins import Registry
from tests.factories import build, clean_return_data


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (3, "id", "3"),
        (2023.1, "id", "2023.1"),
        (4.0, "rating", "4"),
        (" green ", "rating", "green"),
        (dt.datetime(2025, 1, 31, 0, 0), "date", dt.date(2025, 1, 31)),
        ("31/01/2025", "date", dt.date(2025, 1, 31)),
        ("2025-01-31", "date", dt.date(2025, 1, 31)),
        ("87.5%", "number", 87.5),
        ("1,250", "number", 1250.0),
        (7, "number", 7.0),
        ("Yes", "bool", True),
        ("n", "bool", False),
        (True, "bool", True),
        ("In progress", "status", "in_progress"),
        ("not-started", "status", "not_started"),
        (12, "text", "12"),
        (dt.datetime(2025, 1, 31), "text", "2025-01-31"),
    ],
)
def test_spreadsheet_values_convert(value: object, kind: FieldKind, expected: object) -> None:
    assert convert(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("police north", "id", "expected an id"),
        ("31/02/2025", "date", "expected a date"),
        ("lots", "number", "expected a number"),
        ("nan", "number", "expected a finite number"),
        (True, "number", "expected a number"),
        ("maybe", "bool", "expected yes or no"),
        ("done", "status", "expected one of not_started, in_progress, complete"),
    ],
)
def test_bad_values_say_what_was_expected(value: object, kind: FieldKind, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        convert(value, kind)


@given(st.text())
def test_csv_protection_is_reversible_and_formula_safe(text: str) -> None:
    protected = protect(text)
    assert unprotect(protected) == text
    assert not protected.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.text())
def test_xlsx_escape_is_reversible_and_xml_safe(text: str) -> None:
    escaped = escape_text(text)
    assert unescape_text(escaped) == text
    assert "\r" not in escaped
    assert not any(ord(ch) < 0x20 and ch not in "\t\n" for ch in escaped)


def test_a_percentage_typed_in_excel_is_read_as_a_percentage(
    registry: Registry, tmp_path: Path
) -> None:
    ret = build(clean_return_data(registry, "s11-wt2023"))
    numeric = next(i for i, r in enumerate(ret.responses) if r.value is not None)
    path = tmp_path / "r.xlsx"
    path.write_bytes(bytes(write_return(ret, "xlsx")))
    wb = load_workbook(path)
    cell = wb["Responses"].cell(row=3 + numeric, column=4)
    cell.value, cell.number_format = 0.875, "0.0%"
    wb.save(path)
    assert load_return(path).responses[numeric].value == 87.5


def test_a_workbook_from_a_newer_layout_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(bytes(write_return(build(clean_return_data(registry)), "xlsx")))
    wb = load_workbook(path)
    wb["_meta"]["B2"].value = 2
    wb.save(path)
    with pytest.raises(ReturnError, match="newer safeguard-qa"):
        load_return(path)
