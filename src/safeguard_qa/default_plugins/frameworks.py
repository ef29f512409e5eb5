"""The shipped frameworks: every YAML file in the ``standards`` folder.

The files live once, in the repository's top-level ``standards/``. An installed wheel
carries them as package data, ``safeguard_qa/standards`` (put there at build time, see
pyproject.toml); a checkout, editable install or unpacked sdist reads the top-level folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.models.framework import Framework

_PACKAGE = Path(__file__).resolve().parent.parent


def standards_dir() -> Path:
    """Where the shipped framework files are: in the package when installed from a wheel,
    else in the source tree the package is imported from (``src/safeguard_qa`` → ``standards``)."""
    packaged = _PACKAGE / "standards"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent / "standards"


STANDARDS_DIR = standards_dir()


@hookimpl
def register_frameworks(register: Callable[[Framework | Path], None]) -> None:
    for path in sorted(STANDARDS_DIR.glob("*.yaml")):
        register(path)
