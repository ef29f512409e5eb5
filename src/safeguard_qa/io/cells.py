"""Turning spreadsheet and CSV cells into model values, and model values into cell text.

Spreadsheets change what people type: an id ``1`` becomes the number 1, a version ``2023.1``
a float, a date a datetime. The readers accept each of those and convert it back; anything
else raises ``ValueError`` with what was expected, which the caller places at the cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from safeguard_qa.io.layout import ACTION_STATUSES, FieldKind
from safeguard_qa.models.base import describe_character

_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*$", re.ASCII)
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-]")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def convert(value: object, kind: FieldKind) -> object:
    """The model value of a non-empty cell holding ``value``; ValueError when it cannot be."""
    if kind == "text":
        return as_text(value)
    if kind == "id":
        return as_id(value)
    if kind == "rating":
        return as_rating(value)
    if kind == "date":
        return as_date(value)
    if kind == "number":
        return as_number(value)
    if kind == "bool":
        return as_bool(value)
    return as_status(value)


def as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _number_text(value) if isinstance(value, int | float) else str(value)


def as_id(value: object) -> str:
    text = _number_text(value) if isinstance(value, int | float) else str(value).strip()
    if not _ID.match(text):
        bad = _ID_CHARACTERS.search(text)
        if bad is not None and not bad.group().isascii():
            raise ValueError(
                f"{_show(text)} contains {describe_character(bad.group())}; "
                "ids may use only ASCII letters, digits, '-', '_' and '.'"
            )
        raise ValueError(
            "expected an id: letters, digits, '.', '-' or '_', starting with a letter or "
            f"digit; found {_show(value)}"
        )
    return text


def as_rating(value: object) -> str:
    """A rating as typed: a level id, or a label the scale check may turn into one."""
    return _number_text(value) if isinstance(value, int | float) else str(value).strip()


def is_id(text: str) -> bool:
    return _ID.match(text) is not None


def as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    uk = _UK_DATE.match(text)
    try:
        if uk:
            day, month, year = (int(part) for part in uk.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"expected a date such as 2025-01-31 or 31/01/2025; found {_show(value)}")


def as_number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number; found {_show(value)}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().removesuffix("%").replace(",", "").strip()
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expected a number such as 87.5; found {_show(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number; found {_show(value)}")
    return number


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _number_text(value) if isinstance(value, int | float) else str(value)
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"expected yes or no; found {_show(value)}")


def as_status(value: object) -> str:
    """An action status; the labels people type ("In progress") are taken as the ids."""
    folded = re.sub(r"[\s\-]+", "_", str(value).strip().casefold())
    if folded not in ACTION_STATUSES:
        raise ValueError(f"expected one of {', '.join(ACTION_STATUSES)}; found {_show(value)}")
    return folded


def cell_text(value: object) -> str:
    """How a model value is written into a CSV cell: dates ISO, floats exact, bools yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number_text(value: int | float) -> str:
    """A number a spreadsheet made of an id: 3 and 3.0 are "3"; 2023.1 is "2023.1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: object) -> str:
    text = repr(value.date() if isinstance(value, dt.datetime) else value)
    return text if len(text) <= 60 else text[:57] + "..."
