"""Finding plugins and collecting what they provide into a :class:`Registry`.

Plugins come from three places, in this order: the built-in ``default_plugins`` modules
(registered exactly like a third party's), the ``safeguard_qa`` entry-point group, and
folders of ``*.py`` modules given explicitly (``plugins_dir``; the library never loads a
folder of the working directory by itself, since that would run whatever code is there).
Each is loaded on its own: a broken plugin (even one that calls ``sys.exit`` at import) is
named with its version and skipped, unless it was asked for by name. Local modules are
registered as ``local.<name>``, so they can never replace a built-in or installed plugin.
``SAFEGUARD_QA_BLOCK_PLUGINS`` (comma-separated names) blocks plugins.

Frameworks also come from folders of framework files (``standards_dirs``) and from files
added one at a time (:meth:`Registry.add_framework`), so a partnership can use its own
template without writing Python.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeVar

import pluggy

from safeguard_qa import hookspecs
from safeguard_qa.errors import FrameworkError, PluginError, UnknownFrameworkError
from safeguard_qa.loaders.files import Limits
from safeguard_qa.models.framework import Criterion, Framework
from safeguard_qa.models.scale import Scale

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "safeguard_qa"
BLOCK_ENV = "SAFEGUARD_QA_BLOCK_PLUGINS"
DEFAULT_PLUGINS = (
    "safeguard_qa.default_plugins.scales",
    "safeguard_qa.default_plugins.frameworks",
    "safeguard_qa.default_plugins.rollups",
    "safeguard_qa.default_plugins.rules",
    "safeguard_qa.default_plugins.renderers",
    "safeguard_qa.default_plugins.exports",
    "safeguard_qa.default_plugins.pack",
)

Kind = Literal["scales", "frameworks", "rollups", "rules", "renderers", "commands"]
T = TypeVar("T")


@dataclass
class PluginInfo:
    """One plugin: where it came from, what it provides, and why it failed if it did."""

    name: str
    version: str
    source: Literal["built-in", "entry point", "folder"]
    provides: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None


def blocked_plugins() -> set[str]:
    raw = os.environ.get(BLOCK_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


LOCAL_PREFIX = "local."
FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".json")


def _as_paths(value: Path | str | Sequence[Path | str] | None) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, str | os.PathLike):
        return [Path(value)]
    return [Path(v) for v in value]


def build_plugin_manager(
    plugins_dir: Path | Sequence[Path] | None = None,
    *,
    entry_points: bool = True,
    required: Sequence[str] = (),
    extra: Iterable[tuple[str, object]] = (),
) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """A plugin manager with every plugin loaded, and a record of each.

    ``plugins_dir`` is a folder, or several, of plugin modules. ``extra`` registers plugin
    objects directly (``(name, module_or_object)``): how an application embeds its own plugin
    without packaging it.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = blocked_plugins()
    infos: list[PluginInfo] = []
    for module_name in DEFAULT_PLUGINS:
        short = module_name.rsplit(".", 1)[1]
        if short in blocked:
            continue
        pm.register(importlib.import_module(module_name), name=short)
        infos.append(PluginInfo(short, _own_version(), "built-in"))
    loaders: list[tuple[str, str, Literal["entry point", "folder"], Callable[[], object]]] = []
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist
            version = dist.version if dist is not None else "unknown"
            loaders.append((ep.name, version, "entry point", ep.load))
    local_files: dict[str, Path] = {}
    for folder in _as_paths(plugins_dir):
        if not folder.is_dir():
            raise PluginError(f"{folder}: the plugins folder does not exist")
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            name = LOCAL_PREFIX + path.stem
            if name in local_files:
                if local_files[name].resolve() == path.resolve():
                    continue
                raise PluginError(
                    f"two local plugins are named {path.stem!r}: {local_files[name]} and "
                    f"{path}; rename one"
                )
            local_files[name] = path
            loaders.append((name, "local", "folder", _module_loader(path)))
    for name, version, source, load in loaders:
        if name in blocked or name.removeprefix(LOCAL_PREFIX) in blocked:
            log.info("plugin %s is blocked by %s", name, BLOCK_ENV)
            continue
        info = PluginInfo(name, version, source)
        infos.append(info)
        if pm.has_plugin(name):
            info.error = "another plugin is already registered under this name"
            if _wanted(name, required):
                raise PluginError(f"plugin {name} {version} failed to load: {info.error}")
            log.warning("skipping plugin %s %s: %s", name, version, info.error)
            continue
        plugin: object = None
        try:
            plugin = load()
            pm.register(plugin, name=name)
            pm.check_pending()
        except (Exception, SystemExit) as exc:
            # only ever unregister what this plugin registered: never a plugin of its name
            if plugin is not None and pm.is_registered(plugin):
                pm.unregister(plugin)
            info.error = _failure(exc)
            if _wanted(name, required):
                raise PluginError(f"plugin {name} {version} failed to load: {info.error}") from exc
            log.warning("skipping plugin %s %s: %s", name, version, info.error)
    for name, plugin in extra:
        if pm.has_plugin(name):
            raise PluginError(
                f"plugin name {name!r} is already taken (built-in, installed or local); "
                "register the embedded plugin under another name"
            )
        pm.register(plugin, name=name)
        infos.append(PluginInfo(name, "embedded", "entry point"))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r}: {exc}") from exc
    missing = [
        name for name in required if not (pm.has_plugin(name) or pm.has_plugin(LOCAL_PREFIX + name))
    ]
    if missing:
        raise PluginError(f"plugin(s) asked for but not installed: {', '.join(missing)}")
    return pm, infos


def _wanted(name: str, required: Sequence[str]) -> bool:
    return name in required or name.removeprefix(LOCAL_PREFIX) in required


def _failure(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}) while loading"
    return f"{type(exc).__name__}: {exc}"


def _own_version() -> str:
    try:
        return importlib.metadata.version("safeguard-qa")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from source
        return "source"


def _module_loader(path: Path) -> Callable[[], ModuleType]:
    def load() -> ModuleType:
        module_name = f"safeguard_qa_local_plugins.{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:  # pragma: no cover - only for odd files
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module

    return load


class Registry:
    """Everything the installed plugins provide, collected once.

    Build it with :func:`load_registry`; the engine reads plain dicts from it, so the
    per-response path never goes through pluggy.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        infos: list[PluginInfo],
        standards_dirs: Sequence[Path] = (),
    ) -> None:
        self.plugins = infos
        self._info = {info.name: info for info in infos}
        self.owners: dict[tuple[str, str], str] = {}
        """Which plugin provided each (kind, name)."""
        self.scales: dict[str, Scale] = self._collect(pm, "scales", lambda s: s.id)
        self._framework_sources: list[tuple[str, Framework | Path]] = _unique_sources(
            [*self._registered(pm, "frameworks", _source_label), *self._folders(standards_dirs)]
        )
        self._frameworks: dict[tuple[str, str], Framework] | None = None
        self.broken: dict[str, FrameworkError] = {}
        """Framework files that failed to load, by file: listed, and raised when asked for."""
        self._loaded: dict[int, Framework] = {}
        self._peeked: dict[int, str | None] = {}
        from safeguard_qa.contract import Command, Renderer, RollupStrategy, Rule

        self.rollups: dict[str, RollupStrategy] = self._collect(pm, "rollups", lambda r: r.name)
        self.rules: dict[str, Rule] = self._collect(pm, "rules", lambda r: r.id)
        self.renderers: dict[str, Renderer] = self._collect(pm, "renderers", lambda r: r.name)
        self.commands: dict[str, Command] = self._collect(pm, "commands", lambda c: c.name)

    def _registered(
        self, pm: pluggy.PluginManager, kind: Kind, key: Callable[[Any], str]
    ) -> list[tuple[str, Any]]:
        """Call each plugin's ``register_<kind>`` hook once: (plugin name, item) pairs,
        and what each plugin provides recorded for ``safeguard-qa plugins``."""
        registered: list[tuple[str, Any]] = []
        for plugin_name, impl in _impls(pm, f"register_{kind}"):
            added: list[Any] = []
            try:
                impl(register=added.append)
            except Exception as exc:
                raise PluginError(
                    f"plugin {plugin_name} failed while registering {kind}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            info = self._info.get(plugin_name)
            for item in added:
                registered.append((plugin_name, item))
                if info is not None:
                    info.provides.setdefault(kind, []).append(key(item))
        return registered

    def _folders(self, folders: Sequence[Path]) -> list[tuple[str, Path]]:
        """Every framework file in each folder, as if a plugin named after the folder had
        registered it."""
        found: list[tuple[str, Path]] = []
        for folder in folders:
            if not folder.is_dir():
                raise PluginError(f"{folder}: the standards folder does not exist")
            name = f"standards:{folder}"
            files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FRAMEWORK_SUFFIXES)
            info = PluginInfo(name, "local", "folder", {"frameworks": [p.stem for p in files]})
            self.plugins.append(info)
            self._info[name] = info
            found.extend((name, path) for path in files)
        return found

    def _collect(
        self, pm: pluggy.PluginManager, kind: Kind, key: Callable[[Any], str]
    ) -> dict[str, Any]:
        """The items of one kind by name; a name registered twice names both plugins."""
        found: dict[str, Any] = {}
        for plugin_name, item in self._registered(pm, kind, key):
            name = key(item)
            if name in found:
                raise PluginError(
                    f"{kind[:-1]} {name!r} is registered by both plugin "
                    f"{self.owners[(kind, name)]} and plugin {plugin_name}"
                )
            found[name] = item
            self.owners[(kind, name)] = plugin_name
        return found

    # frameworks -----------------------------------------------------------------------

    def frameworks(self) -> dict[tuple[str, str], Framework]:
        """Every installed framework by (id, version), loading files on first use."""
        if self._frameworks is None:
            loaded: dict[tuple[str, str], Framework] = {}
            owners: dict[tuple[str, str], str] = {}
            for index, (plugin_name, source) in enumerate(self._framework_sources):
                try:
                    framework = self._source(index)
                except FrameworkError as exc:
                    # one broken file must not take every other framework down with it:
                    # it is named here and raised when a return asks for it
                    label = str(source) if isinstance(source, Path) else _source_label(source)
                    self.broken[label] = exc
                    info = self._info.get(plugin_name)
                    if info is not None:
                        info.error = f"framework {label} is invalid: {exc.problems[0]}"
                    log.warning("skipping framework %s of plugin %s: %s", label, plugin_name, exc)
                    continue
                if framework.key in loaded:
                    raise PluginError(
                        f"framework {framework.id} {framework.version} is registered by both "
                        f"plugin {owners[framework.key]} and plugin {plugin_name}"
                    )
                loaded[framework.key] = framework
                owners[framework.key] = plugin_name
            for info in self.plugins:
                if "frameworks" in info.provides:
                    info.provides["frameworks"] = sorted(
                        f"{key[0]} {key[1]}" for key, owner in owners.items() if owner == info.name
                    )
            self._frameworks = loaded
        return self._frameworks

    def _source(self, index: int) -> Framework:
        """The framework of one registered source, read and validated once."""
        framework = self._loaded.get(index)
        if framework is None:
            from safeguard_qa.loaders.framework import load_framework

            plugin_name, source = self._framework_sources[index]
            # installed frameworks are trusted: the limits set for returns do not apply
            if isinstance(source, Framework):
                framework = self._checked(source, f"framework {source.id} (plugin {plugin_name})")
            else:
                framework = load_framework(source, self, Limits())
            self._loaded[index] = framework
            self.owners[("frameworks", framework.id)] = plugin_name
        return framework

    def _checked(self, framework: Framework, file: str) -> Framework:
        """A framework given as an object, checked against the installed scales as a file
        would be."""
        from safeguard_qa.loaders.framework import check_framework_scales

        problems = check_framework_scales(framework, file, self)
        if problems:
            raise FrameworkError(problems)
        return framework

    def add_framework(self, source: Framework | Path, *, plugin: str = "local") -> Framework:
        """Read (when a path), check and register one more framework, e.g. a partnership's
        own template given by path. The same file added twice counts once; another
        framework with the same id and version is an error."""
        from safeguard_qa.loaders.framework import load_framework

        if isinstance(source, Path):
            resolved = source.resolve()
            for index, (_, known) in enumerate(self._framework_sources):
                if isinstance(known, Path) and known.resolve() == resolved:
                    return self._source(index)
            framework = load_framework(source, self, Limits())
        else:
            framework = self._checked(source, f"framework {source.id}")
        clash = [fw for fw in self._candidates(framework.id) if fw.key == framework.key]
        if clash:
            raise PluginError(
                f"framework {framework.id} {framework.version} is already installed (plugin "
                f"{self.owners.get(('frameworks', framework.id), '?')}); give the local "
                "framework another id or version"
            )
        self._framework_sources.append((plugin, source))
        index = len(self._framework_sources) - 1
        self._loaded[index] = framework
        self.owners[("frameworks", framework.id)] = plugin
        if self._frameworks is not None:
            self._frameworks[framework.key] = framework
        return framework

    def resolve_framework(
        self, ref: str | Path, version: str | None = None, *, file: str = ""
    ) -> Framework:
        """The framework ``ref`` names: an installed id, or the path of a framework file
        (ending .yaml, .yml or .json, or containing a path separator), which is added."""
        text = str(ref)
        if (
            isinstance(ref, Path)
            or text.lower().endswith(FRAMEWORK_SUFFIXES)
            or os.sep in text
            or "/" in text
        ):
            return self.add_framework(Path(ref))
        return self.framework(text, version, file=file)

    def _candidates(self, framework_id: str) -> list[Framework]:
        """Frameworks that may be ``framework_id``. Until every framework is needed, files
        whose top-level ``id:`` line names another framework are not read, so a run on one
        return parses only the framework it uses."""
        if self._frameworks is not None:
            found = [fw for key, fw in self._frameworks.items() if key[0] == framework_id]
            if not found:
                self._raise_if_broken(framework_id)
            return found
        found = []
        for index, (_, source) in enumerate(self._framework_sources):
            if index not in self._loaded:
                if index not in self._peeked:
                    self._peeked[index] = _declared_id(source)
                if self._peeked[index] not in (None, framework_id):
                    continue
            try:
                framework = self._source(index)
            except FrameworkError:
                if self._peeked.get(index) == framework_id:
                    raise  # the framework asked for is the broken one: say why
                continue  # a file we could not tell the id of: it is not this one's problem
            if framework.id == framework_id:
                found.append(framework)
        return found

    def _raise_if_broken(self, framework_id: str) -> None:
        for index, (_, source) in enumerate(self._framework_sources):
            if index in self._loaded:
                continue
            if self._peeked.get(index, _declared_id(source)) == framework_id:
                self._source(index)  # raises the file's own FrameworkError

    def framework(
        self, framework_id: str, version: str | None = None, *, file: str = ""
    ) -> Framework:
        """The framework with this id (and version; the newest when omitted)."""
        candidates = self._candidates(framework_id)
        if len({fw.key for fw in candidates}) < len(candidates):
            self.frameworks()  # raises the duplicate-registration error, naming both plugins
        if version is not None:
            candidates = [fw for fw in candidates if fw.version == version]
        if not candidates:
            installed = ", ".join(f"{i} {v}" for i, v in sorted(self.frameworks())) or "none"
            wanted = f"{framework_id} {version}" if version else framework_id
            raise UnknownFrameworkError.single(
                file or framework_id,
                "framework",
                f"framework {wanted} is not installed; installed: {installed}",
            )
        return max(candidates, key=lambda fw: _version_key(fw.version))

    def scale_for(self, framework: Framework, criterion: Criterion) -> Scale | None:
        """The scale a criterion is rated on: yes/no, its own, or the framework's.
        Numeric indicators may carry a claimed rating on the framework's scale."""
        answer = criterion.answer
        if answer.type == "narrative":
            return None
        if answer.type == "yes_no":
            return self.scales.get("yes_no")
        name: str | Scale = framework.scale
        if answer.type == "rating" and answer.scale:
            name = answer.scale
        if isinstance(name, Scale):
            return name
        inline = framework.inline_scales.get(name)
        return inline if inline is not None else self.scales.get(name)


def _unique_sources(
    sources: list[tuple[str, Framework | Path]],
) -> list[tuple[str, Framework | Path]]:
    """Sources without repeats of one file (a standards folder that is also the built-in one
    must not register each framework twice)."""
    seen: set[Path] = set()
    unique: list[tuple[str, Framework | Path]] = []
    for name, source in sources:
        if isinstance(source, Path):
            resolved = source.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
        unique.append((name, source))
    return unique


_ID_LINE = re.compile(r"^id:\s*[\"']?([^\s\"'#]+)", re.MULTILINE)


def _declared_id(source: Framework | Path) -> str | None:
    """The framework id a source declares, peeked at without parsing; None when unsure."""
    if isinstance(source, Framework):
        return source.id
    try:
        with source.open(encoding="utf-8", errors="replace") as handle:
            match = _ID_LINE.search(handle.read(65536))
    except OSError:
        return None  # the real load reports it
    return match.group(1) if match else None


def _source_label(source: Framework | Path) -> str:
    return source.id if isinstance(source, Framework) else source.stem


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split(".")
    )


def _impls(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Callable[..., None]]]:
    """Each plugin's implementation of a hook, in registration order."""
    caller = getattr(pm.hook, hook_name)
    impls = [(impl.plugin_name, impl.function) for impl in caller.get_hookimpls()]
    order = {name: i for i, (name, _) in enumerate(pm.list_name_plugin())}
    return sorted(impls, key=lambda pair: order.get(pair[0], 0))


def load_registry(
    plugins_dir: Path | Sequence[Path] | None = None,
    *,
    entry_points: bool = True,
    required: Sequence[str] = (),
    extra: Iterable[tuple[str, object]] = (),
    standards_dirs: Sequence[Path] = (),
) -> Registry:
    """Load every plugin and collect what they provide.

    ``plugins_dir``: folder(s) of local plugin modules, loaded only when given (a folder of
    the working directory is never loaded by itself). ``standards_dirs``: folders whose
    framework files (.yaml, .yml, .json) are installed as frameworks.
    """
    pm, infos = build_plugin_manager(
        plugins_dir, entry_points=entry_points, required=required, extra=extra
    )
    return Registry(pm, infos, [Path(d) for d in standards_dirs])
