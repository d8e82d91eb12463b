"""The built-in CSV connector passes the connector contract; rows typed by hand get linked."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relationkit.connectors.csv import COLUMNS, CsvConnector, CsvFile, cell_text, cell_value
from relationkit.errors import ConfigError
from relationkit.models import new_id
from relationkit.sync.contract import Connector, Kind
from relationkit.sync.engine import SyncEngine
from relationkit.testing.contract import ConnectorContract
from relationkit.workspace import Workspace


class CsvRemote:
    """Edits the CSV file the way a person with a spreadsheet program would."""

    def __init__(self, path: Path) -> None:
        self.file = CsvFile(path)

    def add(self, kind: Kind, fields: dict[str, Any]) -> str:
        header, rows = self.file.read()
        row = {"id": new_id("r"), **{k: cell_text(v) for k, v in fields.items()}}
        self.file.write(header, [*rows, row])
        return row["id"]

    def edit(self, external_id: str, fields: dict[str, Any]) -> None:
        header, rows = self.file.read()
        for row in rows:
            if row["id"] == external_id:
                row.update({k: cell_text(v) for k, v in fields.items()})
        self.file.write(header, rows)

    def delete(self, external_id: str) -> None:
        header, rows = self.file.read()
        self.file.write(header, [r for r in rows if r["id"] != external_id])

    def get(self, external_id: str) -> dict[str, Any] | None:
        return self.all().get(external_id)

    def all(self) -> dict[str, dict[str, Any]]:
        _, rows = self.file.read()
        return {r["id"]: {c: cell_value(c, r.get(c, "")) for c in COLUMNS} for r in rows}


class TestCsvContract(ConnectorContract):
    @pytest.fixture
    def make_connector(self, tmp_path: Path) -> Callable[[Workspace], Connector]:
        return lambda workspace: CsvConnector(workspace, {"path": str(tmp_path / "contacts.csv")})

    @pytest.fixture
    def remote(self, tmp_path: Path) -> CsvRemote:
        return CsvRemote(tmp_path / "contacts.csv")


def _sync(ws: Workspace, path: Path):
    return SyncEngine(ws).run([CsvConnector(ws, {"path": str(path)})])


def test_a_row_typed_by_hand_gets_ids_and_stays_linked(ws, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("display_name,company,notes\nNo Email Person,Acme,keep me\n", encoding="utf-8")
    report = _sync(ws, path)
    assert report.ok, report.messages
    (contact,) = ws.contacts()
    with path.open(newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["relationkit_id"] == contact.id and row["id"].startswith("r_")
    row_text = path.read_text(encoding="utf-8").replace("Acme", "Acme Ltd")
    path.write_text(row_text, encoding="utf-8")
    _sync(ws, path)
    assert [c.company for c in ws.contacts()] == ["Acme Ltd"]


def test_unknown_columns_survive_a_write(ws, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "display_name,emails,owner_comment\nAnn,ann@example.com,call after 5\n", encoding="utf-8"
    )
    ws.add_contact("Bob", email="bob@example.com")
    _sync(ws, path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["owner_comment"] for r in rows] == ["call after 5", ""]


def test_a_copied_row_id_is_reported_not_synced_twice(ws, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("id,display_name\nr_1,Ann\nr_1,Ann copy\n", encoding="utf-8")
    report = _sync(ws, path)
    assert [(p.field, p.where) for p in report.problems] == [("id", "contacts.csv row 3")]
    assert ws.count_contacts() == 1


def test_missing_path_is_a_config_error(ws):
    with pytest.raises(ConfigError, match="path"):
        CsvConnector(ws, {})
