"""relationkit plugin: two-way sync with Google Contacts (People API v1).

Registers :class:`GoogleContactsConnector` (``[connectors.google_contacts]``); see
docs/google-contacts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from relationkit.hookspecs import hookimpl
from relationkit.sync.contract import Connector

from .connector import GoogleContactsConnector

if TYPE_CHECKING:
    import click

__all__ = ["GoogleContactsConnector"]


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(GoogleContactsConnector)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import google_contacts

    cli.add_command(google_contacts)
