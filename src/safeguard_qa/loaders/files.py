"""Reading untrusted files safely: size limits, strict UTF-8, safe YAML, bounded structure.

Limits default to values that fit any real return many times over and can be changed per
call or with environment variables: ``SAFEGUARD_QA_MAX_BYTES`` and ``SAFEGUARD_QA_MAX_NODES``
for every file, and ``SAFEGUARD_QA_MAX_XLSX_PARTS``, ``SAFEGUARD_QA_MAX_UNZIPPED_BYTES``,
``SAFEGUARD_QA_MAX_ZIP_RATIO`` and ``SAFEGUARD_QA_MAX_STYLES_BYTES`` for the parts of an
Excel workbook, which are checked before any of them is parsed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import yaml

from safeguard_qa.errors import ConfigurationError, InputError

try:  # the C loader is several times faster; fall back to pure Python where it is absent
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_NODES = 500_000
DEFAULT_MAX_XLSX_PARTS = 1_000
DEFAULT_MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_ZIP_RATIO = 100
DEFAULT_MAX_STYLES_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Input size limits. ``max_nodes`` bounds the parsed structure, aliases expanded (and
    the cells and shared strings of a workbook); the ``xlsx`` limits bound a workbook's zip
    parts, read from its directory before anything is unzipped."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = DEFAULT_MAX_NODES
    max_xlsx_parts: int = DEFAULT_MAX_XLSX_PARTS
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES
    max_zip_ratio: int = DEFAULT_MAX_ZIP_RATIO
    max_styles_bytes: int = DEFAULT_MAX_STYLES_BYTES

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_bytes=_env_int("SAFEGUARD_QA_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_nodes=_env_int("SAFEGUARD_QA_MAX_NODES", DEFAULT_MAX_NODES),
            max_xlsx_parts=_env_int("SAFEGUARD_QA_MAX_XLSX_PARTS", DEFAULT_MAX_XLSX_PARTS),
            max_unzipped_bytes=_env_int(
                "SAFEGUARD_QA_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED_BYTES
            ),
            max_zip_ratio=_env_int("SAFEGUARD_QA_MAX_ZIP_RATIO", DEFAULT_MAX_ZIP_RATIO),
            max_styles_bytes=_env_int("SAFEGUARD_QA_MAX_STYLES_BYTES", DEFAULT_MAX_STYLES_BYTES),
        )


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError.single(
            f"${name}",
            "",
            f"expected a whole number of bytes or nodes, found {raw!r}",
            code="bad-setting",
        ) from None
    return value if value > 0 else default


def read_bytes(path: Path, limits: Limits) -> bytes:
    """The file's bytes, or an InputError naming the file when missing or too large."""
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError.single(name, "", "no such file") from None
    except OSError as exc:
        raise InputError.single(name, "", f"cannot read it: {exc.strerror}") from None
    if not path.is_file():
        raise InputError.single(name, "", "expected a file, found a folder or device")
    _check_size(size, name, limits)
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InputError.single(name, "", f"the file grew past the limit of {limits.max_bytes:,}")
    return data


def within_limit(data: bytes, name: str, limits: Limits) -> bytes:
    """``data`` (an upload already in memory) if it is within the size limit."""
    _check_size(len(data), name, limits)
    return data


def _check_size(size: int, name: str, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise InputError.single(
            name,
            "",
            f"the file is {size:,} bytes, over the limit of {limits.max_bytes:,} "
            "(raise it with SAFEGUARD_QA_MAX_BYTES if the file is genuine)",
            code="too-large",
        )


def read_text(path: Path, limits: Limits) -> str:
    """The file decoded as UTF-8 (a byte-order mark is allowed)."""
    return decode_text(read_bytes(path, limits), str(path))


def decode_text(data: bytes, name: str) -> str:
    """``data`` decoded as UTF-8 (a byte-order mark is allowed); problems name ``name``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(
            name,
            "",
            "the file is UTF-16 (Excel and Notepad call it 'Unicode'); save it as UTF-8",
        )
    if b"\x00" in data:
        raise InputError.single(name, "", "expected a text file, found binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.single(
            name,
            f"line {line}",
            "expected UTF-8 text; save the file as UTF-8 (found a byte "
            f"0x{data[exc.start]:02x} that is not UTF-8)",
        ) from None


def parse_text(text: str, name: str, fmt: str, limits: Limits) -> Any:
    """Parse YAML or JSON text into plain data, bounded by ``limits.max_nodes``."""
    try:
        data = _parse(text, name, fmt)
    except RecursionError:
        raise InputError.single(
            name, "", "the document is nested too deeply to be a return or framework"
        ) from None
    if fmt != "json":  # JSON has no aliases: its size already bounds its values
        check_size(data, name, limits.max_nodes)
    return data


def _parse(text: str, name: str, fmt: str) -> Any:
    if fmt == "json":
        return _parse_json(text, name)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or "invalid YAML"
        if "could not determine a constructor" in str(exc):
            problem = f"YAML tags that construct objects are not allowed ({problem})"
        elif exc.context:
            problem = f"{exc.context}, {problem}"
        raise InputError.single(name, place, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(name, "", f"invalid YAML: {exc}") from None


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            name, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    except _RepeatedKey as exc:
        place = _place_of(text, exc.offset) if exc.offset is not None else ""
        raise InputError.single(
            name, place or _repeated_key_place(text), f"invalid JSON: {exc.message}"
        ) from None
    except ValueError as exc:  # NaN or Infinity (refused by _no_constant), a huge integer
        long_number = _LONG_NUMBER.search(text)
        if long_number is not None and "digits" in str(exc):
            raise InputError.single(
                name,
                _place_of(text, long_number.start()),
                f"invalid JSON: a number with {len(long_number.group()):,} digits; "
                "no figure in a return needs more than 4,300",
            ) from None
        raise InputError.single(name, "", f"invalid JSON: {exc}") from None


_LONG_NUMBER = re.compile(r"\d{4301,}")


def _place_of(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


class _RepeatedKey(ValueError):
    """A key given twice in one JSON object (JSON keeps the last silently, as YAML would)."""

    def __init__(self, key: str, offset: int | None = None) -> None:
        self.message = f"the key {key!r} appears twice in one object"
        self.offset = offset
        super().__init__(self.message)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return found


def _repeated_key_place(text: str) -> str:
    """Where the first repeated key is, found by parsing again with the pure-Python scanner,
    which can report each key's offset (the fast C one cannot). Only ever run on a refusal."""
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    decoder.parse_object = _object_noting_offsets  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _RepeatedKey as exc:
        return _place_of(text, exc.offset) if exc.offset is not None else ""
    except ValueError:
        return ""
    return ""


def _object_noting_offsets(
    s_and_end: tuple[str, int], strict: bool, scan_once: Any, *_: Any, **__: Any
) -> tuple[dict[str, Any], int]:
    """json.decoder.JSONObject, raising _RepeatedKey with the offset of the second key."""
    text, end = s_and_end
    found: dict[str, Any] = {}
    end = _skip_space(text, end)
    if text[end : end + 1] == "}":
        return found, end + 1
    while True:
        key_at = end
        key, end = _scanstring(text, end + 1, strict)
        if key in found:
            raise _RepeatedKey(key, key_at)
        end = _skip_space(text, _skip_space(text, end) + 1)  # past the colon
        found[key], end = scan_once(text, end)
        end = _skip_space(text, end)
        if text[end : end + 1] == "}":
            return found, end + 1
        end = _skip_space(text, end + 1)  # past the comma


def _skip_space(text: str, at: int) -> int:
    while text[at : at + 1] in (" ", "\t", "\n", "\r"):
        at += 1
    return at


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON returns may hold")


class _Loader(_SafeLoader):
    """The safe loader, refusing a key repeated in one mapping: YAML would keep the last
    value silently, and an officer's first answer would vanish."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key_node.value!r} appears twice in one mapping",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Any value PyYAML cannot make (30 February, year 0, an integer of thousands of
        digits) is a YAML error at the value, not a crash."""
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, _unreadable_scalar(node, exc), node.start_mark
            ) from None


def _unreadable_scalar(node: yaml.Node, exc: ValueError) -> str:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    if node.tag.endswith(":timestamp"):
        return f"{text!r} is not a real date ({exc}); write dates as YYYY-MM-DD"
    if node.tag.endswith(":int") and "digits" in str(exc):
        return f"a number with {len(text):,} digits; no figure in a return needs more than 4,300"
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"cannot read the value {shown!r} ({exc})"


def check_size(data: Any, name: str, max_nodes: int) -> None:
    """Reject structures with more than ``max_nodes`` values, counting shared (aliased) ones
    each time they are reached: this is what stops a YAML "billion laughs" document."""
    budget = max_nodes
    stack = [data]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError.single(
                name,
                "",
                f"the document has more than {max_nodes:,} values once YAML aliases are "
                "expanded (raise SAFEGUARD_QA_MAX_NODES if the file is genuine)",
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def format_of(path: Path) -> str:
    """The input format named by the file's extension."""
    suffix = path.suffix.lower()
    return {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}.get(
        suffix, ""
    )


def load_document(path: Path, limits: Limits | None = None) -> Any:
    """Read a YAML or JSON file into plain data (dicts, lists, scalars)."""
    limits = limits or Limits.from_env()
    fmt = format_of(path)
    if fmt not in ("yaml", "json"):
        raise InputError.single(
            str(path), "", f"expected a .yaml, .yml or .json file, found {path.suffix or 'none'}"
        )
    return parse_text(read_text(path, limits), str(path), fmt, limits)


def document_from_bytes(data: bytes, name: str, fmt: str, limits: Limits) -> Any:
    """A YAML or JSON upload parsed into plain data, with the checks a file gets."""
    return parse_text(decode_text(within_limit(data, name, limits), name), name, fmt, limits)
