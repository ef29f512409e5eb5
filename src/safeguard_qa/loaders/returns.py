"""Loading returns: ``load_return`` reads one file (YAML, JSON, CSV or XLSX) into a
:class:`Return`. Checking it against its framework is :mod:`safeguard_qa.validation`'s job
(``check_return`` is re-exported here for code that imported it from this module).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from safeguard_qa.errors import InputError, Problem, ReturnError, raise_if_errors
from safeguard_qa.loaders.files import Limits, document_from_bytes, format_of, read_bytes
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.returns import Return
from safeguard_qa.validation import check_return

__all__ = ["INPUT_FORMATS", "check_return", "load_return", "parse_return", "validated_return"]

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

INPUT_FORMATS = ("yaml", "json", "csv", "xlsx")


def parse_return(data: Any, file: str) -> Return:
    """Validate plain data as a return; every problem is reported at once."""
    if data is None or data == {}:
        raise ReturnError.single(
            file, "", "the file is empty; expected a return with framework, agency and responses"
        )
    if not isinstance(data, dict):
        raise ReturnError.single(
            file, "", f"expected a mapping of return fields, found {type(data).__name__}"
        )
    if "standards" in data and "responses" not in data:
        raise ReturnError.single(
            file, "", "this looks like a framework file, not a return (it has standards)"
        )
    try:
        return Return.model_validate(data)
    except ValidationError as exc:
        raise ReturnError(problems_from_validation(file, exc, data, Return)) from None


def load_return(
    path: Path,
    limits: Limits | None = None,
    input_format: str | None = None,
    registry: Registry | None = None,
) -> Return:
    """Read a return from YAML, JSON, CSV or XLSX (by extension unless ``input_format``).

    CSV and XLSX returns carry only criterion ids, so they need the ``registry`` only when
    a framework must be consulted; YAML and JSON never do.
    """
    try:
        return _load_return(path, limits, input_format, registry)
    except ReturnError:
        raise
    except InputError as exc:  # unreadable (size, encoding, syntax): still a bad return
        raise ReturnError(exc.problems) from None


def _load_return(
    path: Path, limits: Limits | None, input_format: str | None, registry: Registry | None
) -> Return:
    fmt = input_format or format_of(path)
    if fmt in INPUT_FORMATS:
        limits = limits or Limits.from_env()
        return return_from_bytes(read_bytes(path, limits), str(path), fmt, limits, registry)
    raise ReturnError.single(
        str(path),
        "",
        f"cannot tell the format from {path.suffix or 'no extension'!r}; expected one of "
        f".yaml, .yml, .json, .csv, .xlsx (or pass --input-format)",
    )


def return_from_bytes(
    data: bytes,
    file: str,
    fmt: str,
    limits: Limits | None = None,
    registry: Registry | None = None,
) -> Return:
    """A return from the bytes of a YAML, JSON, CSV or XLSX file (an upload), with the
    checks a file gets; problems name ``file``."""
    limits = limits or Limits.from_env()
    try:
        if fmt in ("yaml", "json"):
            return parse_return(document_from_bytes(data, file, fmt, limits), file)
        from safeguard_qa.io.tabular import tabular_return

        return tabular_return(data, file, fmt, limits, registry=registry)
    except ReturnError:
        raise
    except InputError as exc:  # unreadable (size, encoding, syntax): still a bad return
        raise ReturnError(exc.problems) from None


def validated_return(
    path: Path,
    registry: Registry,
    limits: Limits | None = None,
    input_format: str | None = None,
) -> tuple[Return, Framework, list[Problem]]:
    """Load and check a return; raise ReturnError on any error, return the warnings."""
    ret = load_return(path, limits, input_format, registry)
    warnings = raise_if_errors(check_return(ret, registry, str(path)), ReturnError)
    return ret, registry.framework(ret.framework, ret.framework_version), warnings
