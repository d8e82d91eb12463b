"""relationkit-linkedin: which customers to connect with on LinkedIn, and who already is.

Official means only: the member's own data export (``Connections.csv``) for connections, and
OAuth 2.0 with python-linkedin-v2 for signing in and reading the member's own profile.

- ``relationkit linkedin import Connections.csv`` records who is connected (:mod:`.importer`);
- the ``linkedin_connect`` playbook rule suggests a few customers a week (:mod:`.rule`);
- ``relationkit auth linkedin`` signs in (:mod:`.signin`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from relationkit.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from relationkit.followups.rule import Rule


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    from .rule import LinkedInConnect

    register(LinkedInConnect())


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import auth, linkedin

    cli.add_command(linkedin)
    cli.add_command(auth)
