"""Text from a return made safe for where it is shown: a spreadsheet, Markdown, a terminal.

Evidence, commentary and names are typed by agencies, so every renderer passes them
through one of these functions; this is the one place that decides what is dangerous.

Spreadsheets (:func:`neutralise`, :func:`runs_as_formula`)
    Excel, LibreOffice and Google Sheets read a cell starting with ``=``, ``+``, ``-`` or
    ``@`` as a formula (OWASP "CSV injection"). Some of them also drop leading spaces,
    invisible characters or a byte-order mark, or map full-width and other look-alike
    signs onto the ASCII ones, so a cell is treated as a formula when, after any leading
    whitespace, control or invisible (format) characters, it starts with one of those
    signs or a look-alike (full-width ``＝ ＋ － ＠``, small and super/subscript forms, the
    minus sign U+2212 and any dash), or when it starts with a tab or carriage return.
Terminals (:func:`printable`)
    Control characters (C0, DEL, C1: ``ESC`` starts a terminal command, ``BEL`` rings,
    ``CR`` overwrites the line) are shown as visible symbols (``␛``, ``␇``, ``␍``; C1 as
    ``�``), and bidirectional overrides and isolates, which make text display in an order
    other than its own, as ``�``.
Markdown (:func:`markdown_text`)
    HTML characters become entities, Markdown punctuation is backslash-escaped, line
    breaks are folded, and bare web addresses are kept from becoming links.
"""

from __future__ import annotations

import re
import unicodedata

_FORMULA_SIGNS = frozenset("=+-@")
_ALWAYS_FORMULA = ("\t", "\r")
_SIGN_LOOK_ALIKES = frozenset("\u2212\u2796\u2795\u02d7\ufb29\ua78a")
"""Look-alikes NFKC leaves alone: minus sign, heavy minus and plus, modifier minus, Hebrew
alternative plus, modifier short equals (dashes are found by their category, Pd)."""
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
"""Characters that draw as nothing but are not in a whitespace or format category."""
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


def runs_as_formula(text: str) -> bool:
    """Would a spreadsheet application read ``text`` (typed into a cell) as a formula?"""
    if text.startswith(_ALWAYS_FORMULA):
        return True
    for char in text:
        if _invisible(char):
            continue
        return _formula_sign(char)
    return False


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe if a spreadsheet would read it as a formula
    (see :func:`runs_as_formula`); the apostrophe is how a person types text that must stay
    text, and spreadsheets show it as such."""
    return "'" + text if runs_as_formula(text) else text


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def _formula_sign(char: str) -> bool:
    if char in _FORMULA_SIGNS or char in _SIGN_LOOK_ALIKES or unicodedata.category(char) == "Pd":
        return True
    folded = unicodedata.normalize("NFKC", char)
    return folded[:1] in _FORMULA_SIGNS


# --- terminals -------------------------------------------------------------------------

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
_C1 = dict.fromkeys(range(0x80, 0xA0), "\ufffd")
_BIDI = dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A)), "\ufffd")
_UNSAFE = _PICTURES | _C1 | _BIDI
_UNSAFE_PATTERN = re.compile("[" + "".join(re.escape(chr(code)) for code in _UNSAFE) + "]")


def printable(text: str, keep: str = "") -> str:
    """``text`` with control characters shown as symbols and bidirectional overrides
    replaced, so it cannot drive a terminal or disguise itself; the characters in ``keep``
    (e.g. ``"\\n"`` where a table cell may hold several lines) are left as they are."""
    if _UNSAFE_PATTERN.search(text) is None:
        return text
    return "".join(char if char in keep else _UNSAFE.get(ord(char), char) for char in text)


def has_unsafe_controls(text: str, keep: str = "") -> bool:
    """Does ``text`` hold a character :func:`printable` would replace (``keep`` aside)?"""
    return any(match.group() not in keep for match in _UNSAFE_PATTERN.finditer(text))


# --- Markdown --------------------------------------------------------------------------

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
"""Punctuation that could open emphasis, code, a link or a table cell. Line-start markers
(``#``, ``-``, ``1.``) need no escape: :func:`markdown_text` folds text onto one line that
never starts a Markdown line of its own."""
_AUTOLINK = re.compile(r"(?<=[a-z0-9]):(?=//)|(?<![\w.\-])(www)\.", re.IGNORECASE)
"""What GitHub-flavoured Markdown makes a link of without brackets: a scheme and ``://``
(``https://``, ``ftp://``) and ``www.`` at the start of a word."""


def markdown_text(text: object) -> str:
    """``text`` safe for one Markdown line or table cell, and shown as written.

    Escaping a colon (``https\\://evil.example``) or the dot of ``www\\.`` renders the same
    characters but stops GitHub-flavoured Markdown (and CommonMark with linkify) from making
    a link of them. An e-mail address is still shown as a ``mailto:`` link by GitHub; no
    escape prevents that, and it opens a mail program, not a page.
    """
    plain = printable(" ".join(str(text).split()))
    plain = "".join(_HTML.get(ch, ch) for ch in plain)
    plain = _MARKDOWN.sub(r"\\\1", plain)
    return _AUTOLINK.sub(_unlink, plain)


def _unlink(match: re.Match[str]) -> str:
    return "\\:" if match.group(1) is None else match.group(1) + "\\."


__all__ = ["has_unsafe_controls", "markdown_text", "neutralise", "printable", "runs_as_formula"]
