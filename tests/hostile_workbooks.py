"""Hostile workbooks, each made from a clean one: malformed, entity-carrying, CRC-failing,
corrupt, decompression bombs, far rows, unsaved formulas. Shared by the hostile-input,
XLSX-safety and receipt tests."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

from safeguard_qa.io import write_return
from safeguard_qa.plugins import load_registry
from tests.factories import build, clean_return_data

RESPONSES_PART = "xl/worksheets/sheet3.xml"  # Instructions, Return, Responses, ...
UNSAVED = "a formula with no saved value: open the file in Excel and save it"


def clean_xlsx(folder: Path, name: str = "return.xlsx") -> Path:
    """A complete, valid s11-wt2023 return as the workbook safeguard-qa writes."""
    registry = load_registry(entry_points=False)
    path = folder / name
    path.write_bytes(bytes(write_return(build(clean_return_data(registry)), "xlsx")))
    return path


def rezip(
    path: Path,
    change: Callable[[str, bytes], bytes] = lambda _, data: data,
    extra: Callable[[zipfile.ZipFile], None] | None = None,
    stored: str = "",
) -> Path:
    """``path`` rewritten part by part through ``change``; ``extra`` may add parts first;
    the part named ``stored`` is left uncompressed (so its bytes can be damaged in place)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        if extra is not None:
            extra(target)
        for name, data in parts:
            method = zipfile.ZIP_STORED if name == stored else zipfile.ZIP_DEFLATED
            target.writestr(name, change(name, data), compress_type=method)
    return path


def _in_responses(old: bytes, new: bytes) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        if name != RESPONSES_PART:
            return data
        assert old in data
        return data.replace(old, new, 1)

    return change


def malformed_sheet_xlsx(folder: Path) -> Path:
    return rezip(clean_xlsx(folder), _in_responses(b"</sheetData>", b"</sheetDat>"))


def entity_xlsx(folder: Path) -> Path:
    """An internal entity, used in a cell: harmless here, but expansion is how bombs work."""
    path = rezip(
        clean_xlsx(folder),
        _in_responses(
            b"<worksheet", b'<!DOCTYPE worksheet [\n<!ENTITY rating "amber">]><worksheet'
        ),
    )
    return rezip(path, _in_responses(b"<t>green</t>", b"<t>&rating;</t>"))


def crc_xlsx(folder: Path) -> Path:
    """One byte of the stored Responses sheet changed: its CRC no longer matches."""
    path = rezip(clean_xlsx(folder), stored=RESPONSES_PART)
    data = bytearray(path.read_bytes())
    at = data.index(b"<sheetData>")
    data[at + 1 : at + 2] = b"S"
    path.write_bytes(bytes(data))
    return path


def corrupt_deflate_xlsx(folder: Path) -> Path:
    """The Responses sheet's compressed bytes overwritten: it cannot be inflated at all."""
    path = clean_xlsx(folder)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(RESPONSES_PART)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10 : start + 200] = b"\xff" * 190
    path.write_bytes(bytes(data))
    return path


def shared_strings_bomb_xlsx(folder: Path) -> Path:
    """A shared-strings part of 200 MB that zips to about 0.2 MB."""

    def bomb(target: zipfile.ZipFile) -> None:
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            part.write(b"<si><t>")
            chunk = b"a" * (1024 * 1024)
            for _ in range(200):
                part.write(chunk)
            part.write(b"</t></si></sst>")

    return rezip(clean_xlsx(folder), extra=bomb)


def many_shared_strings_xlsx(folder: Path) -> Path:
    def strings(target: zipfile.ZipFile) -> None:
        body = b"<si><t>x</t></si>" * 6_000
        target.writestr("xl/sharedStrings.xml", b"<sst>" + body + b"</sst>")

    return rezip(clean_xlsx(folder), extra=strings)


def far_row_xlsx(folder: Path) -> Path:
    """One cell on Excel's last row: openpyxl would fill in a million empty rows before it."""
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return rezip(clean_xlsx(folder), _in_responses(b"</sheetData>", far + b"</sheetData>"))


def unsaved_formula_xlsx(folder: Path) -> Path:
    """A rating worked out by a formula that was never calculated (a program wrote it)."""
    path = clean_xlsx(folder)
    workbook = openpyxl.load_workbook(path)
    workbook["Responses"]["C4"] = '=IF(1>0,"green","red")'
    workbook.save(path)
    return path
