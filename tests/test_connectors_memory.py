"""The built-in memory connector passes the connector contract, and its faults behave."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from relationkit.connectors.memory import (
    MemoryConnector,
    MemoryRemote,
    SimulatedCrash,
    memory_backend,
    reset_memory_backends,
)
from relationkit.sync.contract import Change, Connector, Kind, Op
from relationkit.testing.contract import ConnectorContract
from relationkit.workspace import Workspace

_names = itertools.count()


@pytest.fixture
def backend_name() -> Iterator[str]:
    yield f"contract-{next(_names)}"
    reset_memory_backends()


class TestMemoryContract(ConnectorContract):
    @pytest.fixture
    def make_connector(self, backend_name: str) -> Callable[[Workspace], Connector]:
        return lambda workspace: MemoryConnector(workspace, {"backend": backend_name})

    @pytest.fixture
    def remote(self, backend_name: str) -> MemoryRemote:
        return memory_backend(backend_name)


def test_the_same_backend_survives_across_instances(ws, backend_name):
    first = MemoryConnector(ws, {"backend": backend_name})
    first.remote.add(Kind.CONTACT, {"display_name": "Ann"})
    assert MemoryConnector(ws, {"backend": backend_name}).remote is first.remote


def test_incremental_pull_lists_changes_and_tombstones(ws, backend_name):
    connector = MemoryConnector(ws, {"backend": backend_name})
    remote = connector.remote
    kept = remote.add(Kind.CONTACT, {"display_name": "Ann"})
    gone = remote.add(Kind.CONTACT, {"display_name": "Bob"})
    first = connector.pull({}, full=True)
    assert first.full and {i.external_id for i in first.items} == {kept, gone}
    remote.delete(gone)
    later = connector.pull(first.state, full=False)
    assert not later.full
    assert [(i.external_id, i.deleted) for i in later.items] == [(gone, True)]
    assert [i.external_id for i in connector.pull(later.state, full=True).items] == [kept]


def test_crash_after_some_writes_keeps_those_writes(ws, backend_name):
    connector = MemoryConnector(ws, {"backend": backend_name})
    connector.remote.crash_after_writes = 1
    changes = [
        Change(Op.CREATE, Kind.CONTACT, f"c_{n}", None, fields={"display_name": str(n)})
        for n in range(3)
    ]
    with pytest.raises(SimulatedCrash):
        connector.push(changes)
    assert [connector.remote.local_id(e) for e in connector.remote.all()] == ["c_0"]
    assert len(connector.push(changes[1:])) == 2  # the fault fires once


def test_stale_etag_is_refused(ws, backend_name):
    connector = MemoryConnector(ws, {"backend": backend_name})
    ext = connector.remote.add(Kind.CONTACT, {"company": "A"})
    (result,) = connector.push(
        [Change(Op.UPDATE, Kind.CONTACT, "c_1", ext, "stale", {"company": "B"})]
    )
    assert result.error and connector.remote.get(ext) == {"company": "A"}
