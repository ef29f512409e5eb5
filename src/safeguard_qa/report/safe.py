"""Keep spreadsheet applications from running text that came from a return.

Excel, LibreOffice and Google Sheets treat a CSV cell starting with ``=``, ``+``, ``-`` or ``@``
as a formula (OWASP "CSV injection"); a tab or carriage return in front hides the same trick.
Evidence and commentary are typed by agencies, so every exported text cell goes through
:func:`neutralise` before it reaches a CSV or XLSX writer.
"""

from __future__ import annotations

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Return ``text`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


__all__ = ["neutralise"]
