"""Crash safety: a real ``relationkit sync`` process killed with SIGKILL, then run again.

Each case starts from the same state (a first sync done, then edits on both sides and new
records on both sides), runs ``relationkit sync`` in a subprocess and kills it with SIGKILL,
either at a step of the sync engine (the ``RELATIONKIT_TEST_CRASH_AT`` hook of
:mod:`relationkit.jobs`: ``<step>:<connector>#<n>``, the process kills itself when the engine
starts that step for the nth time; ``pushed`` is the dangerous one: the remote was written, the
results not yet saved) or after a random delay. Then it runs ``relationkit sync`` again and
checks the end state: every contact once, every remote record once and linked to its own
contact, and the last edit of each side kept on both sides. A third, in-process sync must then
find nothing left to do.

Scenarios are parameterised: a :class:`Scenario` says how to configure the connector and how to
read, edit and add remote records as a user would. The CSV connector runs here; to add a Google
plugin, write a scenario whose ``configure`` writes its ``[connectors.<name>]`` table and
returns ``{"RELATIONKIT_GOOGLE_EMULATOR": google_emulator.url}`` as the environment (the
emulator lives in the test process, so its state survives the killed subprocess), whose
``records`` lists the emulator's records (``{"relationkit_id", "emails", "company"}``), and add
it to ``SCENARIOS``; give it the ``google_emulator`` fixture through ``scenario_fixtures``.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from crash_support import kill_a_sync, rerun

import relationkit
from relationkit.config import load_config

pytestmark = pytest.mark.slow

LOCAL_EDIT = ("local-edit@example.com", "Edited Here Ltd")
REMOTE_EDIT = ("remote-edit@example.com", "Edited There Ltd")
START = [f"start{n}@example.com" for n in range(4)] + [LOCAL_EDIT[0], REMOTE_EDIT[0]]
NEW_LOCAL = ["new-local-1@example.com", "new-local-2@example.com"]
NEW_REMOTE = ["new-remote-1@example.com", "new-remote-2@example.com"]
EVERYONE = START + NEW_LOCAL + NEW_REMOTE

# Kill points: engine steps (with batch_size = 1 every change is its own batch) and delays.
STEPS = [
    "pull:csv",
    "applied:csv",
    "between",
    "push:csv#1",
    "pushed:csv#1",
    "saved:csv#1",
    "pushed:csv#3",
    "pushed:csv#5",
]
DELAYS = [round(random.Random(seed).uniform(0.6, 1.4), 2) for seed in range(2)]


@dataclass
class Scenario:
    """One connector under test; subclass for another tool (see the module docstring)."""

    name: ClassVar[str]
    folder: Path

    def configure(self) -> dict[str, str]:
        """Write the connector's config table; return extra environment for the subprocess."""
        raise NotImplementedError

    def records(self) -> list[dict[str, Any]]:
        """Every remote record: ``relationkit_id``, ``emails`` (list), ``company``."""
        raise NotImplementedError

    def edit(self, email: str, company: str) -> None:
        """Change the company of the remote record with this email, as a user would."""
        raise NotImplementedError

    def add(self, name: str, email: str) -> None:
        """Type a new record into the remote, as a user would (no relationkit id)."""
        raise NotImplementedError


class CsvScenario(Scenario):
    name = "csv"

    @property
    def path(self) -> Path:
        return self.folder / "contacts.csv"

    def configure(self) -> dict[str, str]:
        (self.folder / "config.toml").write_text(
            f"[connectors.csv]\npath = '{self.path}'\nbatch_size = 1\n", encoding="utf-8"
        )
        return {"RELATIONKIT_LOAD_PLUGINS": ""}

    def _rows(self) -> tuple[list[str], list[dict[str, str]]]:
        with self.path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            return list(reader.fieldnames or []), list(reader)

    def _write(self, header: list[str], rows: list[dict[str, str]]) -> None:
        with self.path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header)
            writer.writeheader()
            writer.writerows(rows)

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "relationkit_id": row["relationkit_id"],
                "emails": [e.strip() for e in row["emails"].split(";") if e.strip()],
                "company": row["company"],
            }
            for row in self._rows()[1]
        ]

    def edit(self, email: str, company: str) -> None:
        header, rows = self._rows()
        for row in rows:
            if row["emails"] == email:
                row["company"] = company
        self._write(header, rows)

    def add(self, name: str, email: str) -> None:
        header, rows = self._rows()
        rows.append({**dict.fromkeys(header, ""), "display_name": name, "emails": email})
        self._write(header, rows)


SCENARIOS: list[type[Scenario]] = [CsvScenario]


def _environment(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELATIONKIT_")}
    return {
        **env,
        "RELATIONKIT_CONFIG": str(folder / "config.toml"),
        "RELATIONKIT_DATA_DIR": str(folder / "data"),
        "RELATIONKIT_DB": f"sqlite:///{folder / 'crm.db'}",
        **extra,
    }


def _open(folder: Path) -> relationkit.workspace.Workspace:
    url = f"sqlite:///{folder / 'crm.db'}"
    config = load_config(folder / "config.toml")
    config.db_url = url
    return relationkit.open(url, config=config)


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda s: s.name)
def baseline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, type[Scenario]]:
    """A folder after a first clean sync, then edits and new records on both sides."""
    folder = tmp_path_factory.mktemp("baseline")
    scenario: Scenario = request.param(folder)
    scenario.configure()
    with _open(folder) as ws:
        for email in START:
            ws.add_contact(email.split("@")[0].title(), emails=[email], company="Old Ltd")
        report = ws.sync()
        assert report.ok, report.messages
        ws.update_contact(LOCAL_EDIT[0], company=LOCAL_EDIT[1])
        for email in NEW_LOCAL:
            ws.add_contact(email.split("@")[0].title(), emails=[email])
    scenario.edit(*REMOTE_EDIT)
    for email in NEW_REMOTE:
        scenario.add(email.split("@")[0].title(), email)
    return folder, request.param


def _copy(baseline: tuple[Path, type[Scenario]], tmp_path: Path) -> tuple[Scenario, dict[str, str]]:
    """A fresh copy of the baseline, configured for where it is now; and its environment."""
    source, scenario_class = baseline
    folder = tmp_path / "case"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("data"))
    scenario = scenario_class(folder)
    return scenario, _environment(folder, scenario.configure())


def _check(folder: Path, scenario: Scenario) -> None:
    with _open(folder) as ws:
        contacts = list(ws.contacts())
        emails = Counter(e for c in contacts for e in c.emails)
        assert sorted(emails) == sorted(EVERYONE) and set(emails.values()) == {1}, emails
        by_email = {c.emails[0]: c for c in contacts}
        assert by_email[LOCAL_EDIT[0]].company == LOCAL_EDIT[1]
        assert by_email[REMOTE_EDIT[0]].company == REMOTE_EDIT[1]
    records = scenario.records()
    remote_emails = Counter(e for r in records for e in r["emails"])
    assert sorted(remote_emails) == sorted(EVERYONE) and set(remote_emails.values()) == {1}
    links = Counter(r["relationkit_id"] for r in records)
    assert set(links) == {c.id for c in contacts} and set(links.values()) == {1}, links
    remote = {r["emails"][0]: r for r in records}
    assert remote[LOCAL_EDIT[0]]["company"] == LOCAL_EDIT[1]
    assert remote[REMOTE_EDIT[0]]["company"] == REMOTE_EDIT[1]
    with _open(folder) as ws:
        again = ws.sync()
    counts = next(iter(again.connectors.values()))
    assert again.ok and counts.created == counts.updated == 0
    assert counts.pushed_created == counts.pushed_updated == 0


@pytest.mark.parametrize("kill", [f"step {s}" for s in STEPS] + [f"after {d} s" for d in DELAYS])
def test_a_killed_sync_converges_on_the_next_run(
    baseline: tuple[Path, type[Scenario]], kill: str, tmp_path: Path
) -> None:
    scenario, env = _copy(baseline, tmp_path)
    how, _, point = kill.partition(" ")
    kill_a_sync(env, how, point)
    rerun(env)
    _check(scenario.folder, scenario)


def test_every_kill_point_is_reached(baseline: tuple[Path, type[Scenario]], tmp_path: Path) -> None:
    """The kill points are real: a clean run makes at least five pushes, one per batch."""
    scenario, _ = _copy(baseline, tmp_path)
    with _open(scenario.folder) as ws:
        assert ws.config.connector(scenario.name)["batch_size"] == 1
        report = ws.sync()
    counts = report.connectors[scenario.name]
    assert counts.pushed_created + counts.pushed_updated >= 5
