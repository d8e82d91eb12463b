"""Registers the built-in connectors (listed in ``relationkit.plugins.BUILTIN_PLUGINS``)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from ..sync.contract import Connector
from .csv import CsvConnector
from .memory import MemoryConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(MemoryConnector)
    register(CsvConnector)
