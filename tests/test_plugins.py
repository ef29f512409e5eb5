"""The plugin system: entry points, the local folder, blocking, broken and misspelled
plugins, duplicate names, and the example plugin package found through its entry point."""

from __future__ import annotations

import importlib.metadata
import logging
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from safeguard_qa import hookspecs
from safeguard_qa.errors import FrameworkError, PluginError
from safeguard_qa.plugins import Registry, build_plugin_manager, load_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PLUGIN = ROOT / "plugins" / "safeguard-qa-northshire"

LOCAL_RULE = """
from safeguard_qa import Finding, Rule, Severity, hookimpl


class CommentaryMissing(Rule):
    id = "local-commentary-missing"
    title = "No commentary"
    severity = Severity.LOW
    question = "How is this met?"

    def check(self, ctx, params):
        for view in ctx.items:
            if view.response is not None and not view.response.commentary:
                yield Finding("no commentary", view.criterion.id)


@hookimpl
def register_rules(register):
    register(CommentaryMissing())
"""


class _FakeDist:
    version = "9.9"


class _FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name = name
        self.dist = _FakeDist()
        self._target = target

    def load(self) -> Any:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[_FakeEntryPoint]]:
    points: list[_FakeEntryPoint] = []

    def entry_points(*, group: str) -> list[_FakeEntryPoint]:
        return points if group == "safeguard_qa" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    return points


@pytest.fixture
def local_plugin(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "house_rules.py").write_text(LOCAL_RULE, encoding="utf-8")
    return folder


@pytest.fixture
def manager() -> Iterator[tuple[pluggy.PluginManager, list[Any]]]:
    """A manager with the built-ins; tests register a plugin and unregister it by name."""
    pm, infos = build_plugin_manager(entry_points=False)
    yield pm, infos
    for name in ("dupe", "typo"):
        if pm.has_plugin(name):
            pm.unregister(name=name)


def test_built_ins_are_registered_like_any_plugin(registry: Registry) -> None:
    assert {i.name for i in registry.plugins} >= {"scales", "frameworks", "rules", "rollups"}
    assert registry.owners[("rules", "evidence-missing")] == "rules"
    assert {"rag", "brag", "met4", "score0_3", "ofsted4", "reversed4", "yes_no"} <= set(
        registry.scales
    )


def test_local_folder_plugin_is_loaded(local_plugin: Path) -> None:
    registry = load_registry(local_plugin, entry_points=False)
    assert "local-commentary-missing" in registry.rules
    info = next(i for i in registry.plugins if i.name == "local.house_rules")
    assert (info.source, info.provides) == ("folder", {"rules": ["local-commentary-missing"]})


def test_plugins_folder_in_working_directory_is_never_loaded_unasked(
    local_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading ./plugins by default would run whatever code sits in the folder someone
    happens to validate returns in."""
    monkeypatch.chdir(local_plugin.parent)
    assert "local-commentary-missing" not in load_registry(entry_points=False).rules
    assert "local-commentary-missing" in load_registry("plugins", entry_points=False).rules


def test_several_plugin_folders_all_load(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, rule_id in ((first, "house-a"), (second, "house-b")):
        folder.mkdir()
        (folder / f"{rule_id.replace('-', '_')}.py").write_text(
            LOCAL_RULE.replace("local-commentary-missing", rule_id), encoding="utf-8"
        )
    registry = load_registry([first, second], entry_points=False)
    assert {"house-a", "house-b"} <= set(registry.rules)


def test_a_local_plugin_named_like_a_built_in_cannot_replace_it(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "rules.py").write_text(LOCAL_RULE, encoding="utf-8")
    (folder / "frameworks.py").write_text("raise ImportError('broken on purpose')\n")
    registry = load_registry(folder, entry_points=False)
    assert "evidence-missing" in registry.rules  # the built-in rules are still there
    assert "local-commentary-missing" in registry.rules
    assert "s11-wt2023" in {key[0] for key in registry.frameworks()}
    broken = next(i for i in registry.plugins if i.name == "local.frameworks")
    assert "broken on purpose" in str(broken.error)


def test_a_plugin_that_exits_at_import_is_named_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "quitter.py").write_text("import sys\nsys.exit(0)\n", encoding="utf-8")
    registry = load_registry(folder, entry_points=False)
    info = next(i for i in registry.plugins if i.name == "local.quitter")
    assert info.error == "it called sys.exit(0) while loading"
    assert "skipping plugin local.quitter" in caplog.text
    with pytest.raises(PluginError, match=r"sys\.exit"):
        load_registry(folder, entry_points=False, required=["quitter"])


def test_an_embedded_plugin_may_not_take_a_built_in_name() -> None:
    with pytest.raises(PluginError, match="'rules' is already taken"):
        load_registry(entry_points=False, extra=[("rules", object())])


def test_frameworks_from_a_standards_folder(tmp_path: Path) -> None:
    folder = tmp_path / "standards"
    folder.mkdir()
    source = (ROOT / "standards" / "s11-wt2023.yaml").read_text(encoding="utf-8")
    (folder / "local.yaml").write_text(
        source.replace("id: s11-wt2023", "id: northshire-local", 1), encoding="utf-8"
    )
    registry = load_registry(entry_points=False, standards_dirs=[folder])
    assert registry.framework("northshire-local").title
    # the shipped folder given again (running from a checkout) counts once, not twice
    again = load_registry(entry_points=False, standards_dirs=[ROOT / "standards"])
    assert ("s11-wt2023", again.framework("s11-wt2023").version) in again.frameworks()


def test_a_framework_file_given_by_path_is_added_once(tmp_path: Path) -> None:
    source = (ROOT / "standards" / "s11-wt2023.yaml").read_text(encoding="utf-8")
    path = tmp_path / "ours.yaml"
    path.write_text(source.replace("id: s11-wt2023", "id: ours", 1), encoding="utf-8")
    registry = load_registry(entry_points=False)
    framework = registry.resolve_framework(str(path))
    assert framework.id == "ours"
    assert registry.resolve_framework(path) is framework
    assert registry.framework("ours") is framework
    with pytest.raises(PluginError, match="already installed"):
        registry.add_framework(framework.model_copy())


def test_a_framework_object_is_checked_against_the_scales(registry: Registry) -> None:
    framework = registry.framework("s11-wt2023")
    bad = framework.model_copy(update={"id": "bad-scale", "scale": "no-such-scale"})
    with pytest.raises(FrameworkError, match="unknown scale 'no-such-scale'"):
        load_registry(entry_points=False).add_framework(bad)


def test_blocked_plugin_is_not_loaded(local_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARD_QA_BLOCK_PLUGINS", "house_rules, other")
    registry = load_registry(local_plugin, entry_points=False)
    assert "local-commentary-missing" not in registry.rules


def test_broken_entry_point_is_named_with_version_and_skipped(
    fake_entry_points: list[_FakeEntryPoint], caplog: pytest.LogCaptureFixture
) -> None:
    fake_entry_points.append(_FakeEntryPoint("broken", ImportError("no module named foo")))
    with caplog.at_level(logging.WARNING):
        registry = load_registry(entry_points=True)
    info = next(i for i in registry.plugins if i.name == "broken")
    assert info.error == "ImportError: no module named foo"
    assert "skipping plugin broken 9.9: ImportError: no module named foo" in caplog.text
    assert "evidence-missing" in registry.rules  # the rest still loaded


def test_broken_plugin_asked_for_by_name_is_an_error(
    fake_entry_points: list[_FakeEntryPoint],
) -> None:
    fake_entry_points.append(_FakeEntryPoint("broken", ImportError("no module named foo")))
    with pytest.raises(PluginError, match=r"plugin broken 9\.9 failed to load"):
        load_registry(required=["broken"])


def test_missing_required_plugin_is_an_error() -> None:
    with pytest.raises(PluginError, match="asked for but not installed: nowhere"):
        load_registry(entry_points=False, required=["nowhere"])


def test_misspelled_hook_is_an_error(manager: tuple[pluggy.PluginManager, list[Any]]) -> None:
    pm, _ = manager

    class Typo:
        @hookspecs.hookimpl
        def register_rule(self, register: Any) -> None:  # not a hook: register_rules
            """Misspelled."""

    pm.register(Typo(), name="typo")
    with pytest.raises(pluggy.PluginValidationError, match="register_rule"):
        pm.check_pending()


def test_misspelled_hook_in_folder_plugin_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "typo.py").write_text(
        "from safeguard_qa import hookimpl\n\n@hookimpl\ndef register_rule(register):\n    pass\n",
        encoding="utf-8",
    )
    registry = load_registry(folder, entry_points=False)
    info = next(i for i in registry.plugins if i.name == "local.typo")
    assert info.error is not None
    assert "register_rule" in info.error
    with pytest.raises(PluginError, match="register_rule"):
        load_registry(folder, entry_points=False, required=["typo"])


def test_duplicate_rule_id_names_both_plugins(
    manager: tuple[pluggy.PluginManager, list[Any]],
) -> None:
    pm, infos = manager
    from safeguard_qa.rules.builtin import EvidenceMissing

    class Dupe:
        @hookspecs.hookimpl
        def register_rules(self, register: Any) -> None:
            register(EvidenceMissing())

    pm.register(Dupe(), name="dupe")
    with pytest.raises(
        PluginError, match="'evidence-missing' is registered by both plugin rules and plugin dupe"
    ):
        Registry(pm, infos)


def test_every_hook_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    assert hooks
    for hook in hooks:
        assert f"`{hook}" in readme, f"hook {hook} is not documented in README.md"
        assert getattr(hookspecs, hook).__doc__, f"hook {hook} has no docstring"


@pytest.mark.slow
def test_example_plugin_installs_and_is_found_by_entry_point(tmp_path: Path) -> None:
    """Install plugins/safeguard-qa-northshire into a fresh venv that sees this one's
    packages, then ask the CLI in that venv what it found."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_dir = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site_dir, "parent_env.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n", encoding="utf-8"
    )
    source = tmp_path / "plugin-source"  # a copy: building in place leaves metadata behind
    shutil.copytree(EXAMPLE_PLUGIN, source, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(source),
        ],
        check=True,
        cwd=tmp_path,
    )
    listing = subprocess.run(
        [str(python), "-m", "safeguard_qa", "plugins"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert re.search(r"northshire\s+0\.1\.0\s+entry point\s+frameworks: northshire-local", listing)
    assert "northshire-undated-evidence" in listing
    shown = subprocess.run(
        [str(python), "-m", "safeguard_qa", "standards", "show", "northshire-local"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert "NL-2.1" in shown
    # the plugin did not leak into this environment
    assert "northshire-local" not in {k[0] for k in load_registry(entry_points=True).frameworks()}


def test_frameworks_are_read_only_when_needed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken-fw\nversion: '1'\nstandards: oops\n", encoding="utf-8")

    class Local:
        @hookspecs.hookimpl
        def register_frameworks(self, register: Any) -> None:
            register(broken)

    registry = load_registry(entry_points=False, extra=[("local", Local())])
    assert registry.framework("s11-wt2023").id == "s11-wt2023"  # the broken file is not read
    assert str(broken) not in registry.broken
    # listing every framework names the broken file and keeps the others
    assert ("s11-wt2023", registry.framework("s11-wt2023").version) in registry.frameworks()
    assert str(broken) in registry.broken
    info = next(i for i in registry.plugins if i.name == "local")
    assert "broken.yaml" in str(info.error)
    with pytest.raises(FrameworkError, match=r"broken\.yaml: standards"):
        registry.framework("broken-fw")


def test_a_framework_registered_twice_names_both_plugins(registry: Registry) -> None:
    framework = registry.framework("s11-wt2023")

    class Again:
        @hookspecs.hookimpl
        def register_frameworks(self, register: Any) -> None:
            register(framework)

    twice = load_registry(entry_points=False, extra=[("again", Again())])
    with pytest.raises(PluginError, match="registered by both plugin frameworks and plugin again"):
        twice.framework("s11-wt2023")
