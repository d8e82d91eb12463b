"""The plugin manager: built-ins, entry points, RELATIONKIT_LOAD_PLUGINS, errors, laziness, docs."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import relationkit
from relationkit import hookspecs, plugins
from relationkit.cli import main
from relationkit.config import Config
from relationkit.errors import PluginError
from relationkit.hookspecs import hookimpl

ROOT = Path(__file__).parent.parent
EXAMPLE = Path(__file__).parent / "example_plugin"


@pytest.fixture(autouse=True)
def _fresh_plugin_manager() -> Iterator[None]:
    plugins.reset_plugin_manager()
    yield
    plugins.reset_plugin_manager()


def install(
    site: Path,
    package: str,
    version: str,
    entry_points: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    modules: dict[str, str] | None = None,
) -> None:
    """Make ``package`` look installed: a dist-info with its entry points, on ``sys.path``."""
    site.mkdir(exist_ok=True)
    info = site / f"{package.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[relationkit]\n{lines}")
    for module, source in (modules or {}).items():
        (site / f"{module}.py").write_text(source)
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture
def welcome_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """tests/example_plugin installed as its pyproject.toml says (entry points included)."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    install(
        tmp_path / "site",
        project["name"],
        project["version"],
        project["entry-points"]["relationkit"],
        monkeypatch,
    )
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    yield
    sys.modules.pop("relationkit_welcome", None)


def loaded() -> set[str]:
    return {info["name"] for info in plugins.plugin_info()}


def test_builtins_always_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    assert loaded() == set(plugins.BUILTIN_PLUGINS)
    assert {"memory", "csv"} <= set(plugins.connector_classes())
    assert plugins.rules()


def test_builtins_are_reported_as_part_of_relationkit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    builtin = {info["name"]: info for info in plugins.plugin_info()}[
        "relationkit.connectors.builtin"
    ]
    assert builtin["package"] == "relationkit"
    assert builtin["version"] == relationkit.__version__
    assert "register_connectors" in builtin["hooks"]


def test_entry_point_plugins_load(welcome_plugin: None) -> None:
    info = {i["name"]: i for i in plugins.plugin_info()}
    assert info["welcome"] == {
        "name": "welcome",
        "package": "relationkit-welcome",
        "version": "0.1.0",
        "hooks": ["contact_created", "register_commands"],
    }
    assert {"google_sheets", "google_contacts", "google_calendar", "linkedin"} <= set(info)


@pytest.mark.parametrize("setting", ["welcome", "relationkit-welcome", " Relationkit_Welcome , "])
def test_load_plugins_by_plugin_or_package_name(
    welcome_plugin: None, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", setting)
    assert loaded() - set(plugins.BUILTIN_PLUGINS) == {"welcome"}


def test_load_plugins_empty_loads_no_entry_points(
    welcome_plugin: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    assert loaded() == set(plugins.BUILTIN_PLUGINS)


def test_load_plugins_naming_a_missing_plugin_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "google_sheets,relationkit-nope")
    with pytest.raises(PluginError, match=r"RELATIONKIT_LOAD_PLUGINS names relationkit-nope"):
        plugins.get_plugin_manager()


def test_misspelt_hook_names_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        "from relationkit.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef contact_creatd(contact):\n    pass\n"
    )
    install(
        tmp_path,
        "relationkit-typo",
        "1.2",
        {"typo": "relationkit_typo"},
        monkeypatch,
        {"relationkit_typo": source},
    )
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "typo")
    with pytest.raises(PluginError) as raised:
        plugins.get_plugin_manager()
    message = str(raised.value)
    assert "plugin 'typo' (package relationkit-typo)" in message
    assert "contact_creatd" in message
    assert "contact_created" in message  # the list of real hooks


def test_misspelt_argument_names_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from relationkit.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef contact_created(person):\n    pass\n"
    )
    install(
        tmp_path,
        "relationkit-args",
        "1.0",
        {"args": "relationkit_args"},
        monkeypatch,
        {"relationkit_args": source},
    )
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "args")
    with pytest.raises(
        PluginError, match=r"(?s)plugin .args. \(package relationkit-args 1.0\).*person"
    ):
        plugins.get_plugin_manager()


def test_plugin_that_fails_to_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(
        tmp_path,
        "relationkit-broken",
        "0.3",
        {"broken": "relationkit_broken"},
        monkeypatch,
        {"relationkit_broken": "import a_module_that_is_not_installed\n"},
    )
    with pytest.raises(PluginError) as raised:
        plugins.get_plugin_manager()
    message = str(raised.value)
    assert "plugin 'broken' (package relationkit-broken 0.3) failed to load" in message
    assert "a_module_that_is_not_installed" in message
    assert "RELATIONKIT_LOAD_PLUGINS" in message
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    plugins.reset_plugin_manager()
    assert "broken" not in loaded()  # the way out the message suggests works


def test_connector_names_must_be_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")

    class First:
        name = "shop"
        description = "One"

    class Second:
        name = "shop"
        description = "Two"

    class Plugin:
        @hookimpl
        def register_connectors(self, register):  # type: ignore[no-untyped-def]
            register(First)
            register(Second)

    plugins.get_plugin_manager().register(Plugin(), name="shop-plugin")
    with pytest.raises(PluginError, match="two connectors are called 'shop'"):
        plugins.connector_classes()


def test_connector_needs_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")

    class Nameless:
        description = "No name"

    class Plugin:
        @hookimpl
        def register_connectors(self, register):  # type: ignore[no-untyped-def]
            register(Nameless)

    plugins.get_plugin_manager().register(Plugin())
    with pytest.raises(PluginError, match="Nameless has no `name`"):
        plugins.connector_classes()


def test_rule_needs_name_and_generate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")

    class Plugin:
        @hookimpl
        def register_rules(self, register):  # type: ignore[no-untyped-def]
            register(object())

    plugins.get_plugin_manager().register(Plugin())
    with pytest.raises(PluginError, match="needs a `name` and a `generate"):
        plugins.rules()


def test_builtins_only_hides_third_party_plugins_for_a_while(welcome_plugin: None) -> None:
    assert "welcome" in loaded()
    with plugins.builtins_only() as pm:
        assert plugins.get_plugin_manager() is pm
        assert "welcome" not in loaded()
    assert "welcome" in loaded()


def test_import_relationkit_loads_no_plugins() -> None:
    code = (
        "import json, sys, relationkit\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith("
        "('pluggy', 'relationkit.plugins', 'relationkit.hookspecs', 'relationkit_')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_event_hooks_reach_the_example_plugin(
    welcome_plugin: None, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "welcome")
    import relationkit_welcome

    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        ann = ws.add_contact("Ann Lee", email="ann@example.com")
        ws.add_contact("Bob Stone", phone="+1 415 555 0134")  # no email: not listed
        ws.add_contact("Ann Lee", email="ANN@example.com", company="Lee Gardens")  # an update
    lines = relationkit_welcome.welcome_list().read_text().splitlines()
    assert lines == [f"{ann.id}\tAnn Lee\tann@example.com"]


def test_a_merge_is_heard_as_a_merge_not_as_an_update(ws) -> None:
    heard: list[str] = []

    class Spy:
        @hookimpl
        def contact_updated(self, workspace, contact, changed):
            heard.append(f"updated {contact.id}")

        @hookimpl
        def contacts_merged(self, workspace, survivor, absorbed_id):
            heard.append(f"merged {absorbed_id} into {survivor.id}")

    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    anne = ws.add_contact("Anne Lee", email="anne@example.com")
    manager = plugins.get_plugin_manager()
    manager.register(Spy(), name="spy")
    try:
        survivor = ws.merge(ann, anne)
    finally:
        manager.unregister(name="spy")
    absorbed = anne.id if survivor.id == ann.id else ann.id
    assert heard == [f"merged {absorbed} into {survivor.id}"]


def test_example_plugin_command(welcome_plugin: None, db_url: str) -> None:
    runner = CliRunner()
    assert "welcome" in runner.invoke(main, ["--help"]).stdout
    assert runner.invoke(main, ["--db", db_url, "welcome"]).stdout == "Nobody new to welcome.\n"
    runner.invoke(
        main, ["--db", db_url, "contacts", "add", "Ann Lee", "--email", "ann@example.com"]
    )
    shown = runner.invoke(main, ["--db", db_url, "welcome", "--done"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == "Ann Lee <ann@example.com>\nLogged 1 welcome email(s).\n"
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        (interaction,) = ws.interactions("ann@example.com")
    assert (interaction.kind.value, interaction.summary) == ("email", "Welcome email")
    assert runner.invoke(main, ["--db", db_url, "welcome"]).stdout == "Nobody new to welcome.\n"


def test_plugins_command_json(welcome_plugin: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "welcome")
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert set(listed) == {"welcome", *plugins.BUILTIN_PLUGINS}
    assert listed["welcome"]["hooks"] == ["contact_created", "register_commands"]


def test_plugins_command_table(welcome_plugin: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "welcome")
    result = CliRunner().invoke(main, ["plugins"])
    assert (
        "welcome\trelationkit-welcome\t0.1.0\tcontact_created, register_commands" in result.stdout
    )


def test_broken_plugin_keeps_help_working_and_stops_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    install(
        tmp_path,
        "relationkit-broken",
        "0.3",
        {"broken": "relationkit_broken"},
        monkeypatch,
        {"relationkit_broken": "raise RuntimeError('boom')\n"},
    )
    runner = CliRunner()
    helped = runner.invoke(main, ["--help"])
    assert helped.exit_code == 0
    assert "contacts" in helped.stdout
    assert "plugin 'broken'" in helped.stderr
    added = runner.invoke(main, ["--db", db_url, "contacts", "add", "Ann Lee"])
    assert added.exit_code == 1
    assert "Error: plugin 'broken' (package relationkit-broken 0.3) failed to load" in added.stderr
    assert "Traceback" not in added.output
    assert not Path(db_url.removeprefix("sqlite:///")).exists()  # stopped before opening


def test_doctor_reports_a_broken_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(
        tmp_path,
        "relationkit-broken",
        "0.3",
        {"broken": "relationkit_broken"},
        monkeypatch,
        {"relationkit_broken": "raise RuntimeError('boom')\n"},
    )
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "✗ plugin 'broken' (package relationkit-broken 0.3) failed to load" in result.stdout
    assert "RuntimeError: boom" in result.stdout


def test_every_hook_is_documented() -> None:
    """docs/plugin-hooks.md has a section ``## name(arguments)`` for every hook spec."""
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text()
    for name in plugins.hook_names():
        arguments = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"\n## {name}({arguments})\n" in docs, f"{name} is missing from docs/plugin-hooks.md"


def test_hook_names_are_the_specs() -> None:
    pm = plugins.PluginManager()
    pm.add_hookspecs(hookspecs)
    specified = sorted(name for name, caller in vars(pm.hook).items() if caller.spec is not None)
    assert plugins.hook_names() == specified
    assert len(specified) == 8


def test_writing_plugins_shows_the_tested_example() -> None:
    docs = (ROOT / "docs" / "writing-plugins.md").read_text()
    for path in ("pyproject.toml", "src/relationkit_welcome/__init__.py"):
        assert (EXAMPLE / path).read_text().rstrip() in docs, f"{path} differs from the docs"
