"""Workbooks are checked part by part before openpyxl parses any of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safeguard_qa.errors import ReturnError
from safeguard_qa.io import read_tabular_return, xlsxfile
from safeguard_qa.loaders.files import Limits
from safeguard_qa.loaders.returns import load_return
from tests.hostile_workbooks import (
    RESPONSES_PART,
    clean_xlsx,
    rezip,
    shared_strings_bomb_xlsx,
)


def test_a_decompression_bomb_is_refused_from_the_zip_directory_before_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shared_strings_bomb_xlsx(tmp_path)
    assert path.stat().st_size < 1_000_000  # 200 MB of shared strings in under 1 MB

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl was given a zip bomb")

    monkeypatch.setattr(xlsxfile, "load_workbook", never)
    with pytest.raises(ReturnError) as raised:
        read_tabular_return(path, "xlsx", Limits())
    [problem] = raised.value.problems
    assert problem.place == "part xl/sharedStrings.xml"
    assert "a zip bomb?" in problem.message


def test_the_saved_value_of_a_formula_is_read(tmp_path: Path) -> None:
    """Excel saves each formula's last value beside it: that value is the answer."""
    formula = b'<c r="C4" s="6" t="str"><f>IF(1&gt;0,"amber","red")</f><v>amber</v></c>'

    def change(name: str, data: bytes) -> bytes:
        if name != RESPONSES_PART:
            return data
        start = data.index(b'<c r="C4"')
        end = data.index(b"</c>", start) + len(b"</c>")
        return data[:start] + formula + data[end:]

    path = rezip(clean_xlsx(tmp_path), change)
    assert load_return(path).responses[1].rating == "amber"


def test_a_genuine_workbook_is_well_inside_every_limit(tmp_path: Path) -> None:
    """The defaults are far above a real return: a workbook of a whole framework is fine at a
    tenth of each (so the limits are not so tight that an agency meets them)."""
    path = clean_xlsx(tmp_path)
    tenth = Limits(
        max_xlsx_parts=100,
        max_unzipped_bytes=10 * 1024 * 1024,
        max_zip_ratio=10,
        max_styles_bytes=512 * 1024,
        max_nodes=50_000,
    )
    assert load_return(path, tenth).agency.id == "agency-a"
