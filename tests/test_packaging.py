"""What is shipped: the wheel carries the frameworks, the licence and the type marker; the
sdist carries everything its own tests read and nothing else; the version is written once."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import safeguard_qa
from safeguard_qa.default_plugins import frameworks

ROOT = Path(__file__).resolve().parents[1]
BUILD = (
    "import sys, hatchling.build as b; "
    "print(b.build_wheel(sys.argv[1])); print(b.build_sdist(sys.argv[1]))"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built from this checkout by the project's build backend."""
    out = tmp_path_factory.mktemp("dist")
    names = subprocess.run(
        [sys.executable, "-c", BUILD, str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out / names[0], out / names[1]


@pytest.mark.slow
def test_the_wheel_carries_the_frameworks_licence_and_type_marker(
    built: tuple[Path, Path],
) -> None:
    with zipfile.ZipFile(built[0]) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    shipped = {n.removeprefix("safeguard_qa/standards/") for n in names if "/standards/" in n}
    assert shipped == {p.name for p in (ROOT / "standards").glob("*.yaml")}
    assert "safeguard_qa/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert len(names) == len(set(names)), "a file is in the wheel twice"
    text = metadata.decode()
    assert "License-Expression: MIT" in text
    assert "Project-URL: Homepage, https://github.com/safeguard-qa/safeguard-qa" in text


@pytest.mark.slow
def test_the_sdist_holds_what_its_tests_read_and_nothing_by_accident(
    built: tuple[Path, Path],
) -> None:
    with tarfile.open(built[1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "tests/conftest.py",
        "examples/policy.yaml",
        "schemas/evaluation.schema.json",
        "standards/s11-wt2023.yaml",
        "plugins/safeguard-qa-northshire/pyproject.toml",
        "src/safeguard_qa/py.typed",
    ):
        assert needed in names, f"{needed} is not in the sdist"
    tops = {name.split("/", 1)[0] for name in names}
    assert tops <= {
        "src",
        "standards",
        "tests",
        "examples",
        "schemas",
        "plugins",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "pyproject.toml",
        "PKG-INFO",
        ".gitignore",
    }
    accidental = [n for n in names if "__pycache__" in n or ".egg-info" in n or "/build/" in n]
    assert accidental == []
    assert "src/safeguard_qa/standards" not in names, "the frameworks are shipped once"


@pytest.mark.slow
def test_an_unpacked_wheel_finds_its_own_frameworks(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(built[0]) as wheel:
        wheel.extractall(site)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from safeguard_qa import load_registry; "
        "from safeguard_qa.default_plugins.frameworks import STANDARDS_DIR; "
        "print(STANDARDS_DIR); "
        "print(sorted({k[0] for k in load_registry(entry_points=False).frameworks()}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert found[0] == str(site / "safeguard_qa" / "standards")
    assert "s11-wt2023" in found[1]
    assert "s175-kcsie" in found[1]


def test_a_source_tree_reads_the_top_level_standards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "safeguard_qa"
    package.mkdir(parents=True)
    (tmp_path / "standards").mkdir()
    monkeypatch.setattr(frameworks, "_PACKAGE", package)
    assert frameworks.standards_dir() == tmp_path / "standards"
    (package / "standards").mkdir()
    assert frameworks.standards_dir() == package / "standards"


def test_the_version_is_written_once_in_pyproject() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        declared = tomllib.load(handle)["project"]["version"]
    assert importlib.metadata.version("safeguard-qa") == declared, (
        "the installed metadata is stale: reinstall (make test does)"
    )
    assert safeguard_qa.__version__ == declared
