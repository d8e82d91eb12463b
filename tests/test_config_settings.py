"""Config tables checked against the settings connectors and rules declare (issue 16, case 15).

Through the CLI: ``doctor`` lists every bad value with its file and line and never crashes;
``sync`` and ``digest`` refuse to run with one in a table they use, with the same message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from relationkit.cli import main
from relationkit.followups.digest import DIGEST_DEFAULTS
from relationkit.sync.contract import COMMON_SETTINGS
from relationkit.sync.engine import DEFAULT_BATCH_SIZE
from relationkit.sync.guards import DEFAULT_MAX_REMOVED_FRACTION, DEFAULT_MIN_ITEMS

# (config text, the message the bad value gets); "{csv}" is the CSV file's path.
CONNECTOR_CASES = {
    "string for bool": (
        '[connectors.csv]\npath = "{csv}"\nenabled = "false"\n',
        'config.toml:3: [connectors.csv] enabled = "false": expected true or false '
        "(without quotes)",
    ),
    "string for number": (
        '[connectors.csv]\npath = "{csv}"\n\nmax_removed_fraction = "0.5"\n',
        'config.toml:4: [connectors.csv] max_removed_fraction = "0.5": expected a number '
        "from 0 to 1",
    ),
    "negative fraction": (
        '[connectors]\ncsv = {{ path = "{csv}", max_removed_fraction = -0.2 }}\n',
        "config.toml:2: [connectors.csv] max_removed_fraction = -0.2: expected a number "
        "from 0 to 1",
    ),
    "unknown key": (
        '[connectors.csv]\npath = "{csv}"\npropagate_delete = true\n',
        "config.toml:3: [connectors.csv] unknown setting propagate_delete "
        "(did you mean propagate_deletes?)",
    ),
    "unknown connector table": (
        '# my shop\n[connectors.cvs]\npath = "{csv}"\n',
        "config.toml:2: [connectors.cvs] unknown connector cvs (did you mean csv?); install "
        "the plugin that provides it, or correct the table's name",
    ),
}
RULE_CASE = (
    '[playbook.winback]\nmin_days = "sixty"\nminutes = {{ call = 5, gfit = 2 }}\n',
    [
        'config.toml:2: [playbook.winback] min_days = "sixty": expected a whole number, 0 or more',
        "config.toml:3: [playbook.winback] minutes = { call = 5, gfit = 2 }: expected a table "
        "of call, gift, note, invitation, each value a whole number, 0 or more",
    ],
)


@pytest.fixture(autouse=True)
def _builtin_plugins(builtin_plugins_only: None) -> None:
    """Every test here runs with relationkit's built-in plugins only (set up before others)."""


def run(tmp_path: Path, *args: str, code: int) -> Result:
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'crm.db'}", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def write_config(tmp_path: Path, text: str) -> Path:
    csv = tmp_path / "customers.csv"
    (tmp_path / "config.toml").write_text(text.format(csv=csv), encoding="utf-8")
    return csv


@pytest.mark.parametrize("case", CONNECTOR_CASES)
def test_a_bad_connector_setting_stops_sync_and_doctor_names_it(tmp_path: Path, case: str) -> None:
    text, message = CONNECTOR_CASES[case]
    csv = write_config(tmp_path, text)
    run(tmp_path, "contacts", "add", "Ann Lee", "--email", "ann@example.com", code=0)

    synced = run(tmp_path, "sync", code=2)
    assert message in synced.stderr
    assert not csv.exists()  # nothing was written: the sync did not start

    checked = run(tmp_path, "doctor", code=1)
    assert f"✗ {tmp_path / message}" in checked.stdout
    assert "fix: correct it in the config file" in checked.stdout


def test_sync_only_checks_the_tables_it_uses(tmp_path: Path) -> None:
    csv = write_config(
        tmp_path,
        '[connectors.csv]\npath = "{csv}"\n[connectors.memory]\nenabled = false\nbatch_size = 0\n',
    )
    run(tmp_path, "contacts", "add", "Ann Lee", "--email", "ann@example.com", code=0)
    run(tmp_path, "sync", code=0)
    assert csv.exists()
    refused = run(tmp_path, "sync", "--only", "memory", code=2)
    assert "config.toml:5: [connectors.memory] batch_size = 0: expected a whole number, " in (
        refused.stderr
    )


EVERY_MISTAKE = """\
[connectors.csv]
path = "{csv}"
enabled = "false"
guard_min_items = 1.5
max_removed_fraction = -0.2
propagate_delete = true

[connectors.memory]
backend = 7

[connectors.cvs]
path = "x.csv"

[playbook.winback]
min_days = "sixty"
minutes = { call = 5, gfit = 2 }

[playbook.digest]
budget_minutes = true

[playbook.welcom]
minutes = 3
"""


def test_doctor_reports_every_bad_value_at_once(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(EVERY_MISTAKE.replace("{csv}", "c.csv"))
    out = run(tmp_path, "doctor", code=1).stdout
    found = [line[2:] for line in out.splitlines() if line.startswith("✗")]
    where = tmp_path / "config.toml"
    assert found == [
        f'{where}:3: [connectors.csv] enabled = "false": expected true or false (without quotes)',
        f"{where}:4: [connectors.csv] guard_min_items = 1.5: expected a whole number, 0 or more",
        f"{where}:5: [connectors.csv] max_removed_fraction = -0.2: expected a number from 0 to 1",
        f"{where}:6: [connectors.csv] unknown setting propagate_delete "
        "(did you mean propagate_deletes?)",
        f"{where}:9: [connectors.memory] backend = 7: expected text in quotes",
        f"{where}:11: [connectors.cvs] unknown connector cvs (did you mean csv?); install the "
        "plugin that provides it, or correct the table's name",
        f'{where}:15: [playbook.winback] min_days = "sixty": expected a whole number, 0 or more',
        f"{where}:16: [playbook.winback] minutes = {{ call = 5, gfit = 2 }}: expected a table "
        "of call, gift, note, invitation, each value a whole number, 0 or more",
        f"{where}:19: [playbook.digest] budget_minutes = true: expected a whole number, 0 or more",
        f"{where}:21: [playbook.welcom] unknown rule welcom (did you mean welcome?); correct the "
        "table's name or remove it",
    ]
    assert out.endswith("10 problem(s) to fix.\n")


@pytest.mark.parametrize("command", [["digest"], ["sync"]])
def test_a_bad_rule_setting_stops_what_runs_the_playbook(
    tmp_path: Path, command: list[str]
) -> None:
    write_config(tmp_path, RULE_CASE[0])
    result = run(tmp_path, *command, code=2 if command == ["sync"] else 1)
    for message in RULE_CASE[1]:
        assert message in result.stderr
    assert "`relationkit doctor` lists them all" in result.stderr


def test_a_rule_table_of_an_unloaded_plugin_does_not_stop_the_digest(tmp_path: Path) -> None:
    write_config(tmp_path, "[playbook.linkedin_connect]\nper_week = 3\n")
    run(tmp_path, "digest", code=0)
    assert "unknown rule linkedin_connect" in run(tmp_path, "doctor", code=1).stdout


def test_a_partial_winback_minutes_table_keeps_the_other_actions_minutes(tmp_path: Path) -> None:
    write_config(tmp_path, "[playbook.winback]\nminutes = {{ call = 20 }}\n")
    run(tmp_path, "digest", code=0)
    assert (
        "✓ connector and playbook settings are of the right types"
        in run(tmp_path, "doctor", code=0).stdout
    )


def test_the_declared_defaults_are_the_engines() -> None:
    assert COMMON_SETTINGS["max_removed_fraction"].default == DEFAULT_MAX_REMOVED_FRACTION
    assert COMMON_SETTINGS["guard_min_items"].default == DEFAULT_MIN_ITEMS
    assert COMMON_SETTINGS["batch_size"].default == DEFAULT_BATCH_SIZE
    assert DIGEST_DEFAULTS == {"budget_minutes": 15, "stale_days": 30}


def test_sync_names_the_bad_values_of_its_connectors_and_its_playbook_together(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, '[connectors.csv]\npath = "{csv}"\nenabled = "no"\n' + RULE_CASE[0])
    refused = run(tmp_path, "sync", code=2).stderr
    assert "the config file has 3 bad setting(s):" in refused
    assert 'config.toml:3: [connectors.csv] enabled = "no"' in refused
    assert 'config.toml:5: [playbook.winback] min_days = "sixty"' in refused


def test_doctor_lists_each_bad_top_level_value(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('region = 5\ncolour = "x"\n[google]\nsubject = 3\n')
    out = run(tmp_path, "doctor", code=1).stdout
    where = tmp_path / "config.toml"
    assert f"✗ {where}:1: region = 5: expected text in quotes\n" in out
    assert f"✗ {where}:2: unknown setting colour (known: connectors, currency," in out
    assert f"✗ {where}:4: [google] subject = 3: expected text in quotes\n" in out
    assert out.endswith("3 problem(s) to fix.\n")


def test_odd_shapes_are_reported_not_crashed_on(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        "[connectors]\ncsv = 5\n[playbook.winback]\ngap_multiple = nan\nrecovery_share = inf\n"
    )
    out = run(tmp_path, "doctor", code=1).stdout
    where = tmp_path / "config.toml"
    assert f"✗ {where}:2: [connectors] csv = 5: expected a table, such as {{ name = 1 }}" in out
    (tmp_path / "config.toml").write_text(
        "[playbook.winback]\ngap_multiple = nan\nrecovery_share = inf\n"
    )
    out = run(tmp_path, "doctor", code=1).stdout
    assert f"✗ {where}:2: [playbook.winback] gap_multiple = nan: expected a number, 0 or" in out
    assert f"✗ {where}:3: [playbook.winback] recovery_share = inf: expected a number from" in out


def test_a_rules_defaults_give_its_settings_types() -> None:
    from decimal import Decimal

    from relationkit.settings import schema_from_defaults

    schema = schema_from_defaults(
        {"days": 7, "amount": 5.0, "on": True, "tags": {"vip": 30}, "odd": Decimal(1)}
    )
    assert schema["days"].fits(3) and not schema["days"].fits(3.5)
    assert not schema["days"].fits(-1) and not schema["days"].fits(True)
    assert schema["amount"].fits(3) and schema["amount"].fits(2.5)
    assert not schema["on"].fits("false") and not schema["on"].fits(0)
    assert schema["tags"].fits({"regular": 60}) and not schema["tags"].fits({"vip": "30"})
    assert schema["odd"].fits("anything")  # not a TOML type: the rule reads it itself
