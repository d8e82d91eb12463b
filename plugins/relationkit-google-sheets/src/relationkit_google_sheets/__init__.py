"""relationkit plugin: a Google Sheet as the owner's UI (connector ``google_sheets`` and the
``relationkit sheets`` commands). See docs/google-sheets.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from relationkit.hookspecs import hookimpl

from .connector import GoogleSheetsConnector
from .signups import GoogleFormSignupsConnector


@hookimpl
def register_connectors(register: Callable[[type[Any]], None]) -> None:
    register(GoogleSheetsConnector)
    register(GoogleFormSignupsConnector)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import sheets

    cli.add_command(sheets)


__all__ = ["GoogleFormSignupsConnector", "GoogleSheetsConnector"]
