"""The built-in playbook plugin: the core rules and the ``digest`` and ``followups`` commands.

Registering this plugin imports nothing heavy: the rules (numpy, and scipy for the BG/NBD
ranking) load only when the playbook asks for them, and the commands only when the CLI builds
its command list, so ``import relationkit`` and the CLI's start-up stay quick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from .rule import Rule


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    from .rules import builtin_rules

    for rule in builtin_rules():
        register(rule)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import digest, followups

    cli.add_command(digest)
    cli.add_command(followups)
