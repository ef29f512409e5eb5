"""Helpers every command shares: the registry, input expansion, safe output writing,
logging what was done."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from safeguard_qa.errors import InputError, Problem
from safeguard_qa.loaders.files import format_of
from safeguard_qa.plugins import Registry, load_registry

T = TypeVar("T")

log = logging.getLogger("safeguard_qa.cli")

RETURN_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")
PLUGINS_ENV = "SAFEGUARD_QA_PLUGINS_DIR"
STANDARDS_ENV = "SAFEGUARD_QA_STANDARDS"
LOCAL_STANDARDS = Path("standards")


def example(*commands: str) -> str:
    """A command's help epilog: its examples, one command a line."""
    return "Example:\n" + "\n".join(f"  {line}" for line in commands)


def registry_from(args: argparse.Namespace) -> Registry:
    """The registry for a command: built-in and installed plugins, the local plugin folders
    asked for (``--plugins-dir``, ``$SAFEGUARD_QA_PLUGINS_DIR``; never ./plugins by
    itself, since a module there runs code from wherever the command is run) and the
    framework folders (``./standards``, ``--standards-dir``, ``$SAFEGUARD_QA_STANDARDS``)."""
    plugin_dirs = [*args.plugins_dir, *env_paths(PLUGINS_ENV)]
    standards_dirs = standards_folders(args.standards_dir)
    for folder in plugin_dirs:
        log.info("plugins: loading the modules in %s", folder)
    for folder in standards_dirs:
        log.info("frameworks: reading the framework files in %s", folder)
    with timed("loading plugins"):
        registry = load_registry(
            plugin_dirs,
            entry_points=not args.no_entry_points,
            required=tuple(args.plugin),
            standards_dirs=standards_dirs,
        )
    loaded = [p.name for p in registry.plugins if p.error is None]
    log.info("plugins loaded: %s", ", ".join(loaded))
    return registry


def env_paths(name: str) -> list[Path]:
    """The folders in an environment variable, ``os.pathsep``-separated (empty parts skipped)."""
    return [Path(part) for part in os.environ.get(name, "").split(os.pathsep) if part.strip()]


def standards_folders(given: Sequence[Path]) -> list[Path]:
    """Folders of framework files: ./standards when it exists, then those given, then
    those in ``$SAFEGUARD_QA_STANDARDS``."""
    local = [LOCAL_STANDARDS] if LOCAL_STANDARDS.is_dir() else []
    return [*local, *given, *env_paths(STANDARDS_ENV)]


@contextlib.contextmanager
def timed(step: str) -> Iterator[None]:
    """Log (with ``-v``) how long a step took."""
    started = time.perf_counter()
    yield
    log.info("%s took %.2f s", step, time.perf_counter() - started)


def wrote(path: Path | None, what: str = "") -> None:
    """Say on stderr which file a command wrote (nothing when it wrote to stdout)."""
    if path is not None:
        print(f"wrote {path}{f' ({what})' if what else ''}", file=sys.stderr)


IRREGULAR_PLURALS = {"criterion": "criteria"}


def plural(count: int, noun: str) -> str:
    """``1 agency``, ``2 agencies``, ``3 files``, ``4 criteria``."""
    if count == 1:
        return f"{count} {noun}"
    if noun in IRREGULAR_PLURALS:
        return f"{count} {IRREGULAR_PLURALS[noun]}"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def expand_inputs(paths: Sequence[Path], input_format: str | None = None) -> list[Path]:
    """Files as given, and folders expanded to the return files inside them, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in RETURN_SUFFIXES
                    and not p.name.startswith(("~$", "."))
                )
            )
        else:
            found.append(path)
    if not found:
        raise InputError(
            [Problem(", ".join(map(str, paths)) or "(none)", "", "no return files found")]
        )
    if input_format is None:
        unknown = [p for p in found if p.exists() and not format_of(p)]
        if unknown:
            raise InputError(
                [
                    Problem(
                        str(p),
                        "",
                        "cannot tell the format from the extension; expected .yaml, .yml, "
                        ".json, .csv or .xlsx (or pass --input-format)",
                    )
                    for p in unknown
                ]
            )
    if log.isEnabledFor(logging.INFO):
        for path in found:
            log.info("input: %s (%s)", path, input_format or format_of(path) or "unknown format")
    return found


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """Yield ``items`` with a progress bar (see :func:`track`)."""
    return track(items, len(items), label)


def track(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on stderr when it is a terminal (never when
    output is piped or redirected)."""
    if not sys.stderr.isatty() or total < 2:
        yield from items
        return
    width = 30
    done = 0
    for item in items:
        filled = width * done // total
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
        yield item
        done += 1
    sys.stderr.write(f"\r{label} [{'#' * width}] {done}/{total}\n")
    sys.stderr.flush()


def write_output(path: Path | None, data: str | bytes | Iterable[str] | Iterable[bytes]) -> None:
    """Write to stdout, or to ``path``.

    A regular file (or a new one) is written atomically: a temporary file beside it,
    renamed into place, so a failure or a signal half-way through a stream of chunks never
    leaves half a report. Anything else that already exists (a device such as /dev/null, a
    FIFO, /dev/stdout) is written directly and never replaced: renaming over it would
    replace the device itself when run as root.
    """
    chunks: Iterable[str | bytes] = [data] if isinstance(data, str | bytes) else data
    if path is None:
        if sys.stdout is None:  # started with stdout closed (``>&-``)
            raise InputError.single("stdout", "", "standard output is closed; give -o FILE")
        for chunk in chunks:
            if isinstance(chunk, bytes):
                raise InputError.single(
                    "-o", "", "this format is binary: give an output file with -o"
                )
            sys.stdout.write(chunk)
        return
    kind = output_kind(path)
    if kind == "special":
        with open(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_kind(path: Path) -> str:
    """``"file"`` for a regular file or a new one, ``"special"`` for a device, FIFO or
    socket that exists; a folder is refused."""
    try:
        info = os.stat(path)  # follows symlinks: /dev/stdout is a link to a descriptor
    except FileNotFoundError:
        return "file"
    if stat.S_ISDIR(info.st_mode):
        raise InputError.single(str(path), "", "this is a folder; expected a file name for -o")
    return "file" if stat.S_ISREG(info.st_mode) else "special"


def current_umask() -> int:
    """The process umask (reading it means setting it: put it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_not_inputs(output: Path | None, inputs: Iterable[Path]) -> None:
    """Refuse to write over an input file."""
    if output is None:
        return
    resolved = output.resolve()
    for path in inputs:
        if path.exists() and path.resolve() == resolved:
            raise InputError.single(
                str(output), "", "the output file is one of the inputs; choose another"
            )
