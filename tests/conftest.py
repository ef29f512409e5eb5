"""Shared fixtures: the registry of built-in plugins, and clean returns to tweak.

And a guard: sessions and CI run as root, where one careless ``-o /dev/null`` once
replaced the machine's null device. Every test runs under an audit hook that records any
file written, created, renamed, removed or chmod-ed outside the temporary folder (and the
caches pytest, hypothesis and coverage keep); the test that did it fails. Subprocesses are
covered by a check at the end of the session that the repository's tracked files are
untouched and no new file appeared in it, and that the special files are still special.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from safeguard_qa.plugins import Registry, load_registry
from tests.factories import build, clean_return_data

ROOT = Path(__file__).resolve().parents[1]
SPECIAL_FILES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/tty")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
ALLOWED_ROOTS = tuple(
    os.path.realpath(p)
    for p in (
        tempfile.gettempdir(),
        ROOT / ".pytest_cache",
        ROOT / ".hypothesis",
        ROOT / ".mypy_cache",
    )
)
_violations: list[str] = []


def _allowed(path: object) -> bool:
    if isinstance(path, int):  # an open descriptor: its file was checked when opened
        return True
    text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path)
    real = os.path.realpath(text)
    if real.startswith(ALLOWED_ROOTS) or "__pycache__" in real:
        return True
    name = os.path.basename(real)
    if name.startswith(".coverage") and os.path.dirname(real) == str(ROOT):
        return True
    # writing into an existing character device (the null device, a terminal) is harmless;
    # creating, renaming or removing one is not, and those events are checked separately
    try:
        return stat.S_ISCHR(os.stat(real).st_mode)
    except OSError:
        return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing and path is not None and not _allowed(path):
            _violations.append(f"open {path!r} for writing")
    elif event in ("os.rename", "os.link"):
        src, dst = _at(args[0], args[2]), _at(args[1], args[3])
        if not (_allowed(src) and _stat_safe_target(dst)):
            _violations.append(f"{event} {src!r} -> {dst!r}")
    elif event == "os.symlink":
        dst = _at(args[1], args[2])
        if not _stat_safe_target(dst):
            _violations.append(f"{event} -> {dst!r}")
    elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown"):
        dir_fd = args[-1] if event != "os.mkdir" else args[2]
        target = _at(args[0], dir_fd if isinstance(dir_fd, int) else None)
        if not _stat_safe_target(target):
            _violations.append(f"{event} {target!r}")
    elif event == "shutil.rmtree" and not _stat_safe_target(_at(args[0], args[1])):
        _violations.append(f"{event} {args[0]!r}")


def _at(path: object, dir_fd: int | None) -> object:
    """``path`` made absolute when it is relative to an open folder (``dir_fd``)."""
    if dir_fd is None or dir_fd < 0 or isinstance(path, int):
        return path
    text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path)
    if os.path.isabs(text):
        return text
    return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)


def _stat_safe_target(path: object) -> bool:
    """A target that may be created, replaced or removed: inside the allowed folders and
    never a special file, even there."""
    if isinstance(path, int):
        return True
    text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path)
    real = os.path.realpath(text)
    try:
        if not stat.S_ISREG(os.lstat(real).st_mode) and not stat.S_ISDIR(os.lstat(real).st_mode):
            return False
    except OSError:
        pass
    return real.startswith(ALLOWED_ROOTS) or "__pycache__" in real


def _special_files() -> dict[str, int]:
    found = {}
    for name in SPECIAL_FILES:
        try:
            found[name] = stat.S_IFMT(os.stat(name).st_mode)
        except OSError:
            continue
    return found


CACHES = (".venv", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".coverage")
SOURCES = ("src/", "tests/", "examples/", "standards/", "schemas/", "plugins/", "benchmarks/")
STRICT = os.environ.get("SAFEGUARD_QA_STRICT_REPO_CHECK") == "1"
"""CI sets it: then any change to the repository during the run fails. Otherwise only new
files outside the source folders (e.g. an ``out/`` a subprocess wrote) do, so that people
can edit sources while the suite runs."""


def _repo_state() -> list[str]:
    """Changed, new and ignored entries of the repository (ignored folders collapsed),
    without the caches the tools keep."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=normal"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines() if result.returncode == 0 else []
    return [
        line
        for line in lines
        if not line[3:].startswith(CACHES)
        and "__pycache__" not in line
        and ".egg-info" not in line
        and (STRICT or (line[:2] in ("??", "!!") and not line[3:].startswith(SOURCES)))
    ]


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _no_writes_outside_tmp() -> Iterator[None]:
    before = len(_violations)
    specials = _special_files()
    yield
    found = _violations[before:]
    del _violations[before:]
    assert not found, "the test wrote outside its temporary folder: " + "; ".join(found)
    assert _special_files() == specials, "the test replaced a special file (e.g. /dev/null)"


@pytest.fixture(scope="session", autouse=True)
def _repository_untouched() -> Iterator[None]:
    before = _repo_state()
    specials = _special_files()
    yield
    assert _special_files() == specials, "a test (or its subprocess) replaced a special file"
    assert _repo_state() == before, "a test (or its subprocess) changed files in the repository"


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The built-in plugins only: installed third-party plugins never leak into tests."""
    return load_registry(entry_points=False)


@pytest.fixture
def clean_data(registry: Registry) -> Callable[..., dict[str, Any]]:
    def make(framework_id: str = "s11-wt2023", **kwargs: Any) -> dict[str, Any]:
        return clean_return_data(registry, framework_id, **kwargs)

    return make


@pytest.fixture
def clean_return(registry: Registry) -> Any:
    return build(clean_return_data(registry))
