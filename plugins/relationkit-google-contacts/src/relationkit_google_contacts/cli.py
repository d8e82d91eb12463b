"""``relationkit google-contacts labels``: the labels of the connected account."""

from __future__ import annotations

import click

from .connector import GoogleContactsConnector


@click.group("google-contacts")
def google_contacts() -> None:
    """Google Contacts: which labels the account has and which one is synced."""


@google_contacts.command("labels")
def labels() -> None:
    """List the account's labels; the synced one (setting `group`) is marked with *."""
    workspace = click.get_current_context().obj.workspace()
    connector = GoogleContactsConnector(
        workspace, workspace.config.connectors.get(GoogleContactsConnector.name, {})
    )
    names = sorted(connector.groups().names.values(), key=str.casefold)
    for name in names:
        click.echo(f"{'*' if name == connector.group else ' '} {name}")
    if connector.group not in names:
        click.echo(
            f'The label "{connector.group}" does not exist yet: the first sync with a customer '
            'to write creates it, or set group = "<label>" in [connectors.google_contacts].'
        )
