"""relationkit-welcome: remember every new customer, then welcome them in one go.

An example plugin (docs/writing-plugins.md walks through it): it reacts to ``contact_created``
and adds a ``relationkit welcome`` command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from relationkit.config import data_dir
from relationkit.hookspecs import hookimpl

if TYPE_CHECKING:
    from relationkit.cli import CliContext
    from relationkit.models import Contact


def welcome_list() -> Path:
    """The file of customers still to welcome: one ``id<TAB>name<TAB>email`` line each."""
    return data_dir() / "welcome.tsv"


@hookimpl
def contact_created(contact: Contact) -> None:
    """Remember a new customer who has an email address and may be contacted."""
    if not contact.email or contact.consent.do_not_contact:
        return
    path = welcome_list()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{contact.id}\t{contact.name}\t{contact.email}\n")


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.option("--done", is_flag=True, help="Log a welcome email to each and empty the list.")
    @click.pass_obj
    def welcome(obj: CliContext, done: bool) -> None:
        """Show the new customers to welcome."""
        path = welcome_list()
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
        waiting = [line.split("\t") for line in lines]
        if not waiting:
            click.echo("Nobody new to welcome.")
            return
        for _, name, email in waiting:
            click.echo(f"{name} <{email}>")
        if done:
            workspace = obj.workspace()
            for contact_id, _, _ in waiting:
                workspace.record_interaction(contact_id, "email", "Welcome email", source="welcome")
            path.unlink()
            click.echo(f"Logged {len(waiting)} welcome email(s).")
