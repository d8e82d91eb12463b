"""The hooks a relationkit plugin can implement (documented with examples in docs/plugin-hooks.md).

A plugin is a module with functions decorated ``@hookimpl`` whose names and argument names match
the specs below; it may take any subset of a hook's arguments. Registration hooks receive a
``register`` callback to call as often as the plugin likes; event hooks are notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    import click

    from .followups.rule import Rule
    from .models import Contact, FollowUp, Interaction
    from .sync.contract import Connector
    from .workspace import Workspace

hookspec = HookspecMarker("relationkit")
hookimpl = HookimplMarker("relationkit")


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Offer connector classes to the sync engine: call ``register(connector_class)`` for each.

    Runs each time relationkit needs the list of connectors (a sync, ``doctor``).
    A connector class subclasses :class:`relationkit.sync.contract.Connector`: class attributes
    ``name`` (unique, e.g. ``"google_sheets"``; the config table ``[connectors.<name>]``
    configures it), ``description`` (one line) and ``scopes`` (the OAuth scopes it needs:
    ``relationkit auth google`` asks for those of the enabled connectors), and ``pull``/``push``
    (``check`` for ``doctor``). The sync engine constructs it as
    ``connector_class(workspace, settings)``, with ``settings`` that config table as a dict.
    Return nothing.
    """


@hookspec
def register_rules(register: Callable[[Rule], None]) -> None:
    """Offer follow-up rules to the playbook: call ``register(rule)`` for each.

    Runs each time the playbook generates follow-ups (the weekly digest, ``demo``). A rule
    follows :class:`relationkit.followups.rule.Rule`: a unique ``name`` (its settings live in
    ``[playbook.<name>]``), a ``title``, ``defaults`` (its settings and their default values) and
    ``generate(context)`` yielding :class:`relationkit.models.FollowUp` suggestions. Return
    nothing.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``relationkit`` CLI: ``@cli.command()`` or
    ``cli.add_command(...)``.

    Runs once per plugin manager, when the CLI first lists or looks up its commands. A plugin
    command with the name of a built-in command is ignored (built-ins win); a plugin group named
    like a built-in group (``auth``) is merged into it: its sub-commands are added, built-in
    sub-commands win. Inside a command,
    ``click.get_current_context().obj.workspace()`` opens the workspace chosen with ``--db``.
    Return nothing.
    """


@hookspec
def contact_created(workspace: Workspace, contact: Contact) -> None:
    """A contact was created (by the API, the CLI, an import or a sync).

    Called by the workspace after the transaction that created it has committed, so the contact
    is in the database; several events of one transaction are delivered in order. The return
    value is ignored; an exception propagates to the caller (the data stays committed).
    """


@hookspec
def contact_updated(workspace: Workspace, contact: Contact, changed: list[str]) -> None:
    """A contact's fields changed; ``changed`` names them (see ``models.CONTACT_FIELDS``).

    Called after the transaction commits, with the contact as it is now stored; not called when
    an update changed nothing, nor for the contacts a merge touches (see ``contacts_merged``).
    The return value is ignored.
    """


@hookspec
def contacts_merged(workspace: Workspace, survivor: Contact, absorbed_id: str) -> None:
    """Two contacts were merged into ``survivor``; ``absorbed_id`` now redirects to it.

    Called after the merge transaction commits; the absorbed contact's purchases, interactions
    and follow-ups already belong to the survivor. A plugin keeping its own ids should re-point
    ``absorbed_id`` to ``survivor.id``. The return value is ignored.
    """


@hookspec
def followup_created(workspace: Workspace, followup: FollowUp) -> None:
    """A new follow-up suggestion was stored (one already known is not stored again).

    Called after the transaction commits; a plugin may publish it (a sheet row, a calendar
    event) and record where with ``workspace.update_followup(followup, published={...})``.
    The return value is ignored.
    """


@hookspec
def followup_completed(workspace: Workspace, followup: FollowUp, interaction: Interaction) -> None:
    """A follow-up was marked done; ``interaction`` is the touchpoint logged for it.

    Called after the transaction commits, with the follow-up's status already ``done``.
    The return value is ignored.
    """
