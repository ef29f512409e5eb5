"""Reading returns from CSV and XLSX (to be completed: issue 4)."""

from __future__ import annotations

from pathlib import Path

from safeguard_qa.errors import ReturnError
from safeguard_qa.loaders.files import Limits
from safeguard_qa.models.returns import Return


def read_tabular_return(path: Path, fmt: str, limits: Limits) -> Return:
    raise ReturnError.single(str(path), "", f"reading {fmt} returns is not supported yet")
