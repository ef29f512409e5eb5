"""Turning spreadsheet and CSV cells into model values, and model values into cell text.

Spreadsheets change what people type: an id ``1`` becomes the number 1, a version ``2023.1``
a float, a date a datetime. The readers accept each of those and convert it back; anything
else raises ``ValueError`` with what was expected, which the caller places at the cell.

Dates typed as text are read in the forms people in England type them, day first:
``28/05/2025``, ``28-05-2025``, ``28.05.2025``, ``31/1/25``, ``28 May 2025``, ``28th May 25``,
``28-May-2025``, ``May 28, 2025`` and ``2025-05-28``. A two-digit year is in the 2000s. An
ambiguous date such as ``04/05/25`` is 4 May 2025 (D/M/Y, as in England); a date that cannot
exist (``31/02/2025``, a month 13) is refused, saying why.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable

from safeguard_qa.io.layout import ACTION_STATUSES, FieldKind
from safeguard_qa.models.base import describe_character

_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*$", re.ASCII)
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-]")
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})$")
_DAY_NAMED = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/]*([A-Za-z]{3,9})\.?,?[\s\-/]*(\d{4}|\d{2})$", re.I
)
_NAMED_DAY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.I)
_MONTHS = {
    **{name.casefold(): number for number, name in enumerate(calendar.month_name) if name},
    **{name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
DATE_EXAMPLE = "expected a date such as 28/05/2025, 28 May 2025 or 2025-05-28 (day first)"
NA_FORMS = {"na", "n/a", "n.a.", "not applicable"}
_DISPLAY = re.compile(r"^(\S+)\s+-\s+\S")
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
    """A rating as typed or picked from a drop-down: a level id; ``1 - embedded`` (id, then
    label) is its id; ``N/A`` is ``na``. Anything else (a label such as ``Partially met``) is
    kept for the scale check to match or refuse."""
    if isinstance(value, int | float):
        return _number_text(value)
    text = " ".join(str(value).split())
    if text.casefold() in NA_FORMS:
        return "na"
    display = _DISPLAY.match(text)
    if display is not None and is_id(display.group(1)):
        return display.group(1)
    return text


def label_id(label: str) -> str:
    """The id a level's label spells: ``Partially met`` -> ``partially_met``."""
    return re.sub(r"[\s\-]+", "_", label.strip()).casefold()


def is_id(text: str) -> bool:
    return _ID.match(text) is not None


def as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = " ".join(str(value).split())
    parts = _date_parts(text)
    if parts is None:
        raise ValueError(f"{DATE_EXAMPLE}; found {_show(value)}")
    year, month, day = parts
    if not 1 <= month <= 12:
        hint = f"; did you mean {month:02d}/{day:02d}/{year}?" if 1 <= day <= 12 else ""
        raise ValueError(
            f"{DATE_EXAMPLE}; found {_show(value)}, which has no month {month} "
            f"(dates are read day first, as in England){hint}"
        )
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= year <= 9999 or not 1 <= day <= last:
        month_name = calendar.month_name[month]
        why = f"{month_name} {year} has {last} days" if year >= 1 else "there is no year 0"
        raise ValueError(f"{DATE_EXAMPLE}; found {_show(value)}, which is not a real date ({why})")
    return dt.date(year, month, day)


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) as written, not yet checked to be a real date; None if no date."""
    if match := _YEAR_FIRST.match(text):
        return int(match.group(1)), int(match.group(3)), int(match.group(4))
    if match := _DAY_FIRST.match(text):
        day, month, year = match.group(1), match.group(3), match.group(4)
        return _year(year), int(month), int(day)
    if (match := _DAY_NAMED.match(text)) and match.group(2).casefold() in _MONTHS:
        return _year(match.group(3)), _MONTHS[match.group(2).casefold()], int(match.group(1))
    if (match := _NAMED_DAY.match(text)) and match.group(1).casefold() in _MONTHS:
        return int(match.group(3)), _MONTHS[match.group(1).casefold()], int(match.group(2))
    return None


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


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
    folded = label_id(str(value))
    if folded not in ACTION_STATUSES:
        raise ValueError(
            f"expected one of {', '.join(ACTION_STATUSES)}; found {_show(value)}"
            + did_you_mean(folded, ACTION_STATUSES)
        )
    return folded


def did_you_mean(given: str, choices: Iterable[str]) -> str:
    """``; did you mean 'green'?`` when one of ``choices`` is close to ``given``, else "".
    A choice that differs only by look-alike characters (l and 1, O and 0) wins."""
    by_fold = {choice.casefold(): choice for choice in choices}
    alike = [c for fold, c in by_fold.items() if _alike(fold) == _alike(given.casefold())]
    close = alike or [
        by_fold[m] for m in difflib.get_close_matches(given.casefold(), list(by_fold), n=1)
    ]
    return f"; did you mean {close[0]!r}?" if close else ""


def _alike(text: str) -> str:
    return text.translate(_LOOK_ALIKE)


_LOOK_ALIKE = str.maketrans({"l": "1", "i": "1", "o": "0", " ": "_", "-": "_"})


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
