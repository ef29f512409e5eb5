"""Checking an .xlsx workbook's parts before openpyxl parses any of them.

openpyxl reads a workbook's sheets lazily and trusts its zip directory, so a damaged or
hostile workbook used to fail half-way through reading (a crash, not a placed problem) or
take minutes and gigabytes. Here, before openpyxl is given the bytes:

1. the zip directory is read: the number of parts, each part's unzipped size and the total,
   each large part's compression ratio and the styles part's size are checked against the
   limits (zipfile never unzips more than the directory declares: a part that does fails
   its CRC check, so the declared sizes bound the work);
2. every XML part is unzipped and parsed once, streaming, with DTDs and entities refused
   (defusedxml): a part that is corrupt, fails its CRC, is not well-formed or declares
   entities is refused, named;
3. while parsing, cells and rows (counting the empty rows and cells openpyxl would fill in)
   and shared strings are counted against ``max_nodes``, and each formula cell with no saved
   value is noted, so the reader can name it instead of reading it as blank.
"""

from __future__ import annotations

import importlib
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from safeguard_qa.errors import Problem, ReturnError
from safeguard_qa.loaders.files import Limits

RATIO_FROM_BYTES = 1024 * 1024  # small parts may compress very well: only larger ones count
MAX_ROW = 1_048_576  # Excel's last row
MAX_COLUMN = 16_384  # XFD
NOT_A_WORKBOOK = (
    "expected an Excel .xlsx workbook; this file is not one (a password-protected "
    "workbook must be saved without its password)"
)
_COORDINATE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_OFFICE_DOCUMENT = "/officeDocument"
# defusedxml ships no type stubs: typed here, at the one place it is used
_DEFUSED = importlib.import_module("defusedxml.ElementTree")
_REFUSED: type[ValueError] = importlib.import_module("defusedxml").DefusedXmlException


@dataclass
class Parts:
    """What the check found: the sheets by part name, and formula cells with no saved value."""

    sheet_titles: dict[str, str] = field(default_factory=dict)  # part -> sheet title
    formulas: dict[str, list[str]] = field(default_factory=dict)  # part -> coordinates
    relations: dict[str, dict[str, str]] = field(default_factory=dict)  # source -> id -> part
    sheets: list[tuple[str, str]] = field(default_factory=list)  # (title, relation id)
    workbook_part: str = ""

    def unsaved_formulas(self) -> dict[str, frozenset[str]]:
        """Formula cells with no saved value, by sheet title."""
        targets = self.relations.get(self.workbook_part, {})
        titles = {targets[rid]: title for title, rid in self.sheets if rid in targets}
        return {
            titles.get(part, part): frozenset(cells)
            for part, cells in self.formulas.items()
            if cells
        }


def check_workbook(file: str, data: bytes, limits: Limits) -> Parts:
    """Check a workbook's bytes against ``limits``; a ReturnError naming the part if not."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _refuse(file, NOT_A_WORKBOOK) from None
    with archive:
        infos = archive.infolist()
        _check_directory(file, infos, limits)
        counter = _Counter(file, limits.max_nodes)
        for info in infos:
            if _is_xml(info.filename):
                _parse_part(file, archive, info, counter)
    return counter.parts


def _refuse(file: str, message: str, part: str = "") -> ReturnError:
    return ReturnError([Problem(file, f"part {part}" if part else "", message)])


def _check_directory(file: str, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_xlsx_parts:
        raise _refuse(
            file,
            f"the workbook has {len(infos):,} parts, over the limit of "
            f"{limits.max_xlsx_parts:,} (raise SAFEGUARD_QA_MAX_XLSX_PARTS if it is genuine)",
        )
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise _refuse(file, f"{NOT_A_WORKBOOK}: the part is encrypted", name)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > limits.max_zip_ratio:
            raise _refuse(
                file,
                f"unzips from {info.compress_size:,} to {info.file_size:,} bytes, "
                f"{ratio:,.0f} times its size; no workbook part compresses more than "
                f"{limits.max_zip_ratio:,} times (a zip bomb?) "
                "(raise SAFEGUARD_QA_MAX_ZIP_RATIO if it is genuine)",
                name,
            )
        total += info.file_size
        if total > limits.max_unzipped_bytes:
            raise _refuse(
                file,
                f"the workbook unzips to more than {limits.max_unzipped_bytes:,} bytes "
                "(raise SAFEGUARD_QA_MAX_UNZIPPED_BYTES if it is genuine)",
                name,
            )
        if _is_styles(name) and info.file_size > limits.max_styles_bytes:
            raise _refuse(
                file,
                f"the styles part unzips to {info.file_size:,} bytes, over the limit of "
                f"{limits.max_styles_bytes:,} (raise SAFEGUARD_QA_MAX_STYLES_BYTES if it "
                "is genuine)",
                name,
            )


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def _is_styles(name: str) -> bool:
    return posixpath.basename(name).lower() == "styles.xml"


def _parse_part(
    file: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, counter: _Counter
) -> None:
    name = info.filename
    try:
        with archive.open(info) as stream:
            counter.part(name, _elements(stream))
    except _REFUSED:
        raise _refuse(
            file,
            "declares a DTD or XML entities, which no workbook needs; refused (entity "
            "expansion can exhaust memory or read other files)",
            name,
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise _refuse(
            file,
            f"is not well-formed XML (line {line}, column {column + 1}): the workbook is "
            "damaged; open it in Excel and save it again",
            name,
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _refuse(
            file,
            f"is damaged and cannot be unzipped ({exc}); open the workbook in Excel and save "
            "it again",
            name,
        ) from None


def _elements(stream: IO[bytes]) -> Iterator[Element]:
    for _, element in _DEFUSED.iterparse(stream, events=("end",), forbid_dtd=True):
        yield element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Counter:
    """Counts what openpyxl would build from each part, and notes unsaved formulas."""

    def __init__(self, file: str, budget: int) -> None:
        self.file = file
        self.budget = budget
        self.parts = Parts()

    def spend(self, amount: int, part: str, what: str) -> None:
        self.budget -= amount
        if self.budget < 0:
            raise _refuse(
                self.file,
                f"the workbook has too many {what} (raise SAFEGUARD_QA_MAX_NODES if it is genuine)",
                part,
            )

    def part(self, name: str, elements: Iterator[Element]) -> None:
        last_row = 0
        for element in elements:
            tag = _local(element.tag)
            if tag == "row":
                last_row = self._row(name, element, last_row)
            elif tag == "si":
                self.spend(1, name, "shared strings")
                element.clear()
            elif tag == "Relationship":
                rid, target = element.get("Id"), element.get("Target")
                if rid and target and element.get("TargetMode") != "External":
                    source = _source_of(name)
                    self.parts.relations.setdefault(source, {})[rid] = _resolve(name, target)
                    if (element.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                        self.parts.workbook_part = _resolve(name, target)
            elif tag == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                self.parts.sheets.append((element.get("name") or "", rid))

    def _row(self, part: str, row: Element, last_row: int) -> int:
        number = _number(row.get("r"), last_row + 1, MAX_ROW, part, self.file, "row")
        widest = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            coordinate = cell.get("r") or ""
            column = widest + 1
            if coordinate:
                match = _COORDINATE.match(coordinate)
                if match is None:
                    raise _refuse(self.file, f"a cell has the reference {coordinate[:20]!r}", part)
                column = _column_number(match.group(1))
                if column > MAX_COLUMN:
                    raise _refuse(self.file, f"cell {coordinate} is beyond column XFD", part)
            widest = max(widest, column)
            if _unsaved_formula(cell):
                self.parts.formulas.setdefault(part, []).append(
                    coordinate or f"{_letters(column)}{number}"
                )
        # openpyxl fills the gap rows and the empty cells up to the row's last: count them
        self.spend(max(number - last_row, 1) + widest, part, "cells")
        row.clear()
        return number


def _unsaved_formula(cell: Element) -> bool:
    children = {_local(child.tag): child for child in cell}
    if "f" not in children or cell.get("t") in ("str", "inlineStr"):
        return False  # a text formula's saved value may be the empty text
    value = children.get("v")
    return value is None or not (value.text or "").strip()


def _number(raw: str | None, default: int, highest: int, part: str, file: str, what: str) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > len(str(highest)) or not 0 < int(raw) <= highest:
        raise _refuse(file, f"a {what} is numbered {raw[:20]!r}", part)
    return int(raw)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def _resolve(source_rels: str, target: str) -> str:
    """A relationship's target as a part name: relative to the part the .rels file is for."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    folder = posixpath.dirname(posixpath.dirname(source_rels))  # xl/_rels/x.rels -> xl
    return posixpath.normpath(posixpath.join(folder, target))


def _source_of(rels: str) -> str:
    """The part a .rels file describes: xl/_rels/workbook.xml.rels -> xl/workbook.xml."""
    folder = posixpath.dirname(posixpath.dirname(rels))
    return posixpath.join(folder, posixpath.basename(rels).removesuffix(".rels"))
