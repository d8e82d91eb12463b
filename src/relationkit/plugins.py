"""The one plugin manager: built-in plugins, then the ``relationkit`` entry point group.

Nothing here runs at ``import relationkit``: the manager is built on first use (a hook firing,
a sync, the CLI listing its commands). ``RELATIONKIT_LOAD_PLUGINS`` limits which entry-point
plugins load: a comma-separated list of entry-point or package names (``google_sheets`` or
``relationkit-google-sheets``); set but empty, no third-party plugin loads. Built-ins always load.

A plugin that fails to import, or implements a hook that does not exist, raises
:class:`~relationkit.errors.PluginError` naming the plugin and its package.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError

GROUP = "relationkit"
LOAD_PLUGINS_ENV = "RELATIONKIT_LOAD_PLUGINS"
BUILTIN_PLUGINS: tuple[str, ...] = (
    "relationkit.connectors.builtin",
    "relationkit.followups.builtin",
)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, also remembering the package each entry-point plugin came from."""

    def __init__(self) -> None:
        super().__init__(GROUP)
        self.packages: dict[str, metadata.Distribution] = {}


_manager: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The plugin manager, built with every plugin on first call and reused afterwards."""
    global _manager
    if _manager is None:
        wanted = os.environ.get(LOAD_PLUGINS_ENV)
        allowed = None if wanted is None else {_canonical(n) for n in wanted.split(",")} - {""}
        _manager = _build(allowed)
    return _manager


def reset_plugin_manager() -> None:
    """Forget the manager so the next use rebuilds it (tests; after changing the environment)."""
    global _manager
    _manager = None


@contextmanager
def builtins_only() -> Iterator[PluginManager]:
    """Use only the built-in plugins inside the block (the demo: no third-party side effects)."""
    global _manager
    saved, _manager = _manager, _build(allowed=set())
    try:
        yield _manager
    finally:
        _manager = saved


def hook_names() -> list[str]:
    """The names of every hook a plugin can implement."""
    return sorted(n for n, f in vars(hookspecs).items() if hasattr(f, f"{GROUP}_spec"))


def _build(allowed: set[str] | None) -> PluginManager:
    """A new manager: hook specs, built-ins, then the ``allowed`` entry points (None: all)."""
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        _register(pm, importlib.import_module(module_name), module_name, package=None)
    for entry_point, distribution in _selected_entry_points(allowed):
        package = f"{distribution.metadata['Name']} {distribution.version}"
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {entry_point.name!r} (package {package}) failed to load: "
                f"{type(exc).__name__}: {exc}. Upgrade or uninstall that package, or leave it out "
                f"of {LOAD_PLUGINS_ENV} (a comma-separated list of the plugins to load)."
            ) from exc
        _register(pm, plugin, entry_point.name, package=package)
        pm.packages[entry_point.name] = distribution
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(_describe(pm, exc)) from exc
    return pm


def _register(pm: PluginManager, plugin: Any, name: str, package: str | None) -> None:
    if pm.get_plugin(name) is not None:
        return  # the same module listed twice (a package that is both built in and installed)
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        where = f" (package {package})" if package else ""
        raise PluginError(f"plugin {name!r}{where}: {exc}") from exc


def _describe(pm: PluginManager, exc: pluggy.PluginValidationError) -> str:
    """``check_pending``'s complaint, naming the plugin, its package and the known hooks."""
    name = pm.get_name(exc.plugin) or repr(exc.plugin)
    distribution = pm.packages.get(name)
    where = f" (package {distribution.metadata['Name']})" if distribution else ""
    return f"plugin {name!r}{where}: {exc.args[0]}; the hooks are: {', '.join(hook_names())}"


def _selected_entry_points(
    allowed: set[str] | None,
) -> list[tuple[metadata.EntryPoint, metadata.Distribution]]:
    """The group's entry points with their distributions: those ``allowed`` (None: all)."""
    found: dict[str, tuple[metadata.EntryPoint, metadata.Distribution]] = {}
    known: set[str] = set()
    for distribution in metadata.distributions():
        package = _canonical(distribution.metadata["Name"] or "")
        for entry_point in distribution.entry_points.select(group=GROUP):
            names = {package, _canonical(entry_point.name)}
            known |= names
            if allowed is None or names & allowed:
                # setdefault: the same distribution can be visible twice on sys.path
                found.setdefault(entry_point.name, (entry_point, distribution))
    if allowed is not None and allowed - known:
        raise PluginError(
            f"{LOAD_PLUGINS_ENV} names {', '.join(sorted(allowed - known))}, which is not an "
            f"installed plugin; installed: {', '.join(sorted(known)) or 'none'}"
        )
    return [found[name] for name in sorted(found)]


def _canonical(name: str) -> str:
    """Package and plugin names compared the way pip compares them (``A_b.c`` = ``a-b-c``)."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def connector_classes() -> dict[str, type]:
    """Every registered connector class by its ``name``; a clash or a nameless class is an error."""
    found: dict[str, type] = {}

    def register(connector_class: type) -> None:
        name = getattr(connector_class, "name", None)
        where = f"{connector_class.__module__}.{connector_class.__qualname__}"
        if not isinstance(name, str) or not name:
            raise PluginError(f"connector class {where} has no `name` class attribute")
        if not isinstance(getattr(connector_class, "description", None), str):
            raise PluginError(f"connector class {where} has no `description` class attribute")
        other = found.get(name)
        if other is not None and other is not connector_class:
            raise PluginError(
                f"two connectors are called {name!r}: {other.__module__}.{other.__qualname__} "
                f"and {where}; uninstall one of the plugins that provide them"
            )
        found[name] = connector_class

    get_plugin_manager().hook.register_connectors(register=register)
    return dict(sorted(found.items()))


def rules() -> list[Any]:
    """Every registered follow-up rule; their names must be unique."""
    found: dict[str, Any] = {}

    def register(rule: Any) -> None:
        name = getattr(rule, "name", None)
        if not isinstance(name, str) or not name or not callable(getattr(rule, "generate", None)):
            raise PluginError(f"follow-up rule {rule!r} needs a `name` and a `generate(context)`")
        if name in found:
            raise PluginError(f"two follow-up rules are called {name!r}: {found[name]!r}, {rule!r}")
        found[name] = rule

    get_plugin_manager().hook.register_rules(register=register)
    return list(found.values())


def plugin_info() -> list[dict[str, Any]]:
    """What ``relationkit plugins`` shows: each plugin's name, package, version and hooks."""
    pm = get_plugin_manager()
    own = metadata.version("relationkit")
    info = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        distribution = pm.packages.get(name)
        if distribution is not None:
            package, version = distribution.metadata["Name"], distribution.version
        elif isinstance(plugin, ModuleType) and plugin.__name__.split(".")[0] == "relationkit":
            package, version = "relationkit", own
        else:
            package, version = None, None  # registered directly with pm.register()
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        info.append({"name": name, "package": package, "version": version, "hooks": hooks})
    return sorted(info, key=lambda item: item["name"])
