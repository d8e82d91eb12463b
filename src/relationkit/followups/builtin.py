"""The built-in playbook plugin: the core rules and the ``digest`` and ``followups`` commands."""

from __future__ import annotations

from collections.abc import Callable

import click

from ..hookspecs import hookimpl
from .rule import Rule
from .rules import builtin_rules


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    for rule in builtin_rules():
        register(rule)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import digest, followups

    cli.add_command(digest)
    cli.add_command(followups)
