"""The high-level Python API: load, evaluate, and evaluate a partnership's returns together.

For programs that embed the library (a web service, a survey portal), inputs can also be
read from bytes or a binary stream (``read_return``, ``read_framework``, ``read_policy``,
``read_outcomes``) with the same limits and checks as files, and ``validate`` gives a
return's problems as data instead of raising. Every function that takes a path takes a
``str`` or any ``os.PathLike``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from safeguard_qa.engine.engine import Engine
from safeguard_qa.errors import (
    ConfigurationError,
    FrameworkError,
    InputError,
    OutcomesError,
    PolicyError,
    Problem,
    ReturnError,
    raise_if_errors,
)
from safeguard_qa.loaders.files import Limits, document_from_bytes
from safeguard_qa.loaders.framework import parse_framework
from safeguard_qa.loaders.policy import load_policy, parse_outcomes, parse_policy
from safeguard_qa.loaders.returns import (
    INPUT_FORMATS,
    check_return,
    load_return,
    return_from_bytes,
    validated_return,
)
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.policy import Policy
from safeguard_qa.models.results import Evaluation
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules.base import PeerStats

PathArg = str | os.PathLike[str]
"""A path, as a ``str`` or any ``os.PathLike`` (``pathlib.Path``)."""
Upload = bytes | bytearray | memoryview | BinaryIO
"""The content of a file as bytes, or a binary stream to read it from (an upload)."""
DOCUMENT_FORMATS = ("yaml", "json")
_CHUNK = 1024 * 1024


def evaluate(
    ret: Return,
    *,
    previous: Return | None = None,
    policy: Policy | None = None,
    registry: Registry | None = None,
    outcomes: Outcomes | None = None,
) -> Evaluation:
    """Evaluate one return (checked against its framework first)."""
    engine = Engine(registry or load_registry(), policy)
    return engine.evaluate(ret, previous=previous, outcomes=outcomes)


def evaluate_returns(
    returns: Sequence[Return],
    *,
    registry: Registry | None = None,
    policy: Policy | None = None,
    previous: Mapping[str, Return] | None = None,
    outcomes: Outcomes | None = None,
    policy_file: str | None = None,
) -> list[Evaluation]:
    """Evaluate a partnership's returns together, so peer rules can compare agencies.
    ``previous`` maps an agency id to its previous return."""
    engine = Engine(registry or load_registry(), policy, policy_file=policy_file)
    return engine.evaluate_many(returns, previous=previous, outcomes=outcomes)


def evaluate_file(
    path: PathArg,
    *,
    policy: PathArg | None = None,
    previous: PathArg | None = None,
    registry: Registry | None = None,
) -> Evaluation:
    """Read, check and evaluate one return file."""
    registry = registry or load_registry()
    ret, _, _ = validated_return(Path(path), registry)
    prev = validated_return(Path(previous), registry)[0] if previous is not None else None
    loaded_policy = load_policy(Path(policy), registry) if policy is not None else None
    engine = Engine(registry, loaded_policy, policy_file=os.fspath(policy or "policy"))
    return engine.evaluate(ret, previous=prev, validate=False)


def iter_evaluations(
    paths: Sequence[PathArg],
    *,
    engine: Engine,
    previous_paths: Sequence[PathArg] = (),
    outcomes: Outcomes | None = None,
    input_format: str | None = None,
    limits: Limits | None = None,
    keep_in_memory: int = 256,
    rejected: list[Problem] | None = None,
) -> Iterator[Evaluation]:
    """Evaluate a folder's worth of return files as one partnership, in constant memory.

    First every file is read and checked (all problems are raised together, before any
    result), gathering peer counts on the way; then each return is evaluated and yielded.
    Up to ``keep_in_memory`` returns are kept from the first pass; beyond that each file is
    read again, so memory does not grow with the number of returns. A file that changed
    between the two passes is refused, never evaluated unchecked. Previous returns are
    matched by agency id and read when needed.

    With ``rejected`` (a list), a return that does not load or fit its framework is left
    out and its problems are added to the list instead of raised, and the others are still
    evaluated: what a coordinator wants from a folder of thousands; the caller reports the
    rejected ones (the CLI's ``--keep-going`` does, then exits 2).
    """
    registry = engine.registry
    files = [Path(path) for path in paths]
    problems: list[Problem] = []
    kept: dict[Path, Return] = {}
    seen: dict[Path, tuple[int, int]] = {}
    counts: dict[tuple[str, ...], dict[float, int]] = defaultdict(lambda: defaultdict(int))
    keep = len(files) <= keep_in_memory
    usable: list[Path] = []
    for path in files:
        found = len(problems)
        ret = load_checked(path, registry, input_format, limits, problems)
        if ret is None:
            if rejected is not None:
                rejected.extend(problems[found:])
                del problems[found:]
            continue
        usable.append(path)
        seen[path] = _stamp(path)
        if engine.needs_peers:
            engine.add_peer(counts, ret)
        if keep:
            kept[path] = ret
    previous_by_agency: dict[str, Path] = {}
    for path in map(Path, previous_paths):
        ret = load_checked(path, registry, input_format, limits, problems)
        if ret is not None:
            previous_by_agency[ret.agency.id] = path
    if problems:
        raise ReturnError(problems)
    peers = PeerStats({k: dict(v) for k, v in counts.items()}) if engine.needs_peers else None
    for path in usable:
        ret = kept.pop(path, None) or _read_again(path, seen[path], limits, input_format, engine)
        previous_path = previous_by_agency.get(ret.agency.id)
        previous = (
            load_return(previous_path, limits, input_format, registry)
            if previous_path is not None
            else None
        )
        yield engine.evaluate(
            ret, previous=previous, peers=peers, outcomes=outcomes, validate=False, file=str(path)
        )


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _read_again(
    path: Path,
    stamp: tuple[int, int],
    limits: Limits | None,
    input_format: str | None,
    engine: Engine,
) -> Return:
    """A file read for the second time: refused if it changed since it was checked (its
    peers were counted from the old content), and checked again all the same."""
    if _stamp(path) != stamp:
        raise ReturnError.single(
            str(path),
            "",
            "the file changed while the returns were being evaluated; run the command again",
        )
    ret = load_return(path, limits, input_format, engine.registry)
    raise_if_errors(check_return(ret, engine.registry, str(path)), ReturnError)
    return ret


def load_checked(
    path: PathArg,
    registry: Registry,
    input_format: str | None,
    limits: Limits | None,
    problems: list[Problem],
) -> Return | None:
    # for reading many files and reporting every problem at the end, before any result
    """The return in ``path`` if it loads and fits its framework; otherwise None, with its
    errors added to ``problems``."""
    path = Path(path)
    try:
        ret = load_return(path, limits, input_format, registry)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    errors = [p for p in check_return(ret, registry, str(path)) if p.level == "error"]
    problems.extend(errors)
    return None if errors else ret


# --- reading from bytes -------------------------------------------------------------------


def read_return(
    data: Upload,
    *,
    format: str,
    name: str = "upload",
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> Return:
    """Read a return from bytes or a binary stream: ``format`` is ``yaml``, ``json``,
    ``csv`` or ``xlsx``. The same limits and checks as a file apply, and problems name
    ``name`` as their file. With ``registry``, CSV and XLSX ratings are checked against the
    framework's scale at their cell (as :func:`safeguard_qa.load_return` does)."""
    fmt = _known_format(format, INPUT_FORMATS)
    limits = limits or Limits.from_env()
    return return_from_bytes(_upload_bytes(data, name, limits), name, fmt, limits, registry)


def read_framework(
    data: Upload,
    *,
    format: str = "yaml",
    name: str = "upload",
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> Framework:
    """Read a framework from YAML or JSON bytes or a binary stream; with ``registry``, it
    is also checked against the installed scales."""
    return parse_framework(_document(data, format, name, limits, FrameworkError), name, registry)


def read_policy(
    data: Upload,
    *,
    format: str = "yaml",
    name: str = "upload",
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> Policy:
    """Read a policy from YAML or JSON bytes or a binary stream; with ``registry``, its
    rule, roll-up and parameter names are checked too."""
    return parse_policy(_document(data, format, name, limits, PolicyError), name, registry)


def read_outcomes(
    data: Upload,
    *,
    format: str = "yaml",
    name: str = "upload",
    limits: Limits | None = None,
) -> Outcomes:
    """Read challenge outcomes from YAML or JSON bytes or a binary stream."""
    return parse_outcomes(_document(data, format, name, limits, OutcomesError), name)


def _known_format(fmt: str, formats: Sequence[str]) -> str:
    """``fmt`` in lower case; a ConfigurationError (the caller's setting, not the upload's
    fault) when it is not one of ``formats``."""
    wanted = fmt.lower().removeprefix(".")
    wanted = "yaml" if wanted == "yml" else wanted
    if wanted not in formats:
        raise ConfigurationError.single(
            "format", "", f"unknown format {fmt!r}; expected one of {', '.join(formats)}"
        )
    return wanted


def _document(
    data: Upload, fmt: str, name: str, limits: Limits | None, error: type[InputError]
) -> Any:
    """A YAML or JSON upload as plain data; unreadable, it raises the reader's own error."""
    fmt = _known_format(fmt, DOCUMENT_FORMATS)
    limits = limits or Limits.from_env()
    try:
        return document_from_bytes(_upload_bytes(data, name, limits), name, fmt, limits)
    except InputError as exc:
        raise error(exc.problems) from None


def _upload_bytes(data: Upload, name: str, limits: Limits) -> bytes:
    """The upload's bytes; a stream is read a chunk at a time and never past the size
    limit, so an endless or huge stream cannot exhaust memory."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    chunks: list[bytes] = []
    size = 0
    while chunk := data.read(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise ReturnError.single(
                name,
                "",
                f"the upload is over the limit of {limits.max_bytes:,} bytes "
                "(raise it with SAFEGUARD_QA_MAX_BYTES if the file is genuine)",
                code="too-large",
            )
        chunks.append(chunk)
    return b"".join(chunks)


# --- validating without raising -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What :func:`validate` found: the return when it could be read (even if it does not
    fit its framework), and every problem, errors and warnings, in file order."""

    ret: Return | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level == "warning")

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed): the return can be evaluated."""
        return not self.errors

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``ok`` and the problems (never the return itself)."""
        return {"ok": self.ok, "problems": [p.to_dict() for p in self.problems]}


def validate(
    source: Upload | PathArg,
    *,
    format: str | None = None,
    name: str | None = None,
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> ValidationResult:
    """Read a return (a path, bytes or a binary stream) and check it against its framework,
    raising nothing for bad input: the result holds the return, or None when it could not
    be read, and its problems. ``format`` is needed for bytes and streams; for a path it
    defaults to the extension. Settings that are wrong (an unknown ``format``, a limit in
    the environment) still raise :class:`ConfigurationError`."""
    registry = registry or load_registry()
    limits = limits or Limits.from_env()
    try:
        ret = _read_for_validation(source, format, name, registry, limits)
    except InputError as exc:
        return ValidationResult(None, exc.problems)
    file = name or (os.fspath(source) if isinstance(source, str | os.PathLike) else "upload")
    return ValidationResult(ret, tuple(check_return(ret, registry, file)))


def _read_for_validation(
    source: Upload | PathArg,
    fmt: str | None,
    name: str | None,
    registry: Registry,
    limits: Limits,
) -> Return:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        fmt = _known_format(fmt, INPUT_FORMATS) if fmt is not None else None
        ret = load_return(path, limits, fmt, registry)
        return ret
    if fmt is None:
        raise ConfigurationError.single(
            "format", "", f"give the format of bytes or a stream: one of {', '.join(INPUT_FORMATS)}"
        )
    return read_return(source, format=fmt, name=name or "upload", registry=registry, limits=limits)
