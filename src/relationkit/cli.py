"""The ``relationkit`` command line (every command is described in docs/cli.md).

Output is a table on a terminal and tab-separated lines when piped; listing commands take
``--json``. Progress bars go to stderr and only on a terminal. A :class:`RelationkitError` is
printed as ``Error: <message>`` with exit status 1, never as a traceback.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

import relationkit

from . import exporters, identity
from .config import Config, config_path, default_db_url, load_config
from .errors import (
    AuthError,
    ConfigError,
    NotFound,
    PluginError,
    RelationkitError,
    SafetyGuardTripped,
    describe,
)
from .files import write_atomically
from .importers import ImportReport, import_contacts_csv
from .merges import MergeRecord, differences
from .models import Conflict, Contact, FamilyMember, InteractionKind, Purchase, PurchaseStatus
from .parsing import contact_from_fields, parse_amount, parse_date
from .plugins import PluginManager, connector_classes, get_plugin_manager, plugin_info
from .settings import BadSettings
from .store.codec import to_jsonable

if TYPE_CHECKING:
    from .identity import DuplicateGroup
    from .sync.report import SyncReport
    from .workspace import Workspace

Progressed = Callable[[int, int | None], None]  # (done, total or None when unknown)


class CliContext:
    """``ctx.obj`` of every command: the ``--db`` choice and the workspace, opened once."""

    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        """The workspace for ``--db`` (else RELATIONKIT_DB or the config), closed at exit."""
        if self._workspace is None:
            get_plugin_manager()  # a broken plugin stops the command before anything changes
            self._workspace = relationkit.open(self.db_url, config=load_config())
            click.get_current_context().find_root().call_on_close(self._workspace.close)
        return self._workspace


class MainGroup(click.Group):
    """Built-in commands, then those plugins add; a RelationkitError becomes a message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin_commands_of: tuple[PluginManager, dict[str, click.Command]] | None = None

    def _plugin_commands(self) -> dict[str, click.Command]:
        """What ``register_commands`` adds, collected once per plugin manager."""
        try:
            pm = get_plugin_manager()
        except PluginError as exc:
            click.echo(f"Warning: plugin commands are unavailable: {exc}", err=True)
            return {}
        if self._plugin_commands_of is None or self._plugin_commands_of[0] is not pm:
            collector = click.Group()
            pm.hook.register_commands(cli=collector)
            added = {}
            for name, command in collector.commands.items():
                own = self.commands.get(name)
                if own is None:
                    added[name] = command
                elif isinstance(own, click.Group) and isinstance(command, click.Group):
                    added[name] = _merged(own, command)
            self._plugin_commands_of = (pm, added)
        return self._plugin_commands_of[1]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        own = super().get_command(ctx, cmd_name)
        if own is not None and cmd_name == "sync":
            return _with_connector_flags(own)
        if own is not None and not isinstance(own, click.Group):
            return own  # plugins are only consulted for new names and built-in groups
        return self._plugin_commands().get(cmd_name) or own

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RelationkitError as exc:
            raise click.ClickException(exc.shown()) from exc
        except SQLAlchemyError as exc:  # the database refuses, is full or is unreachable
            raise click.ClickException(_database_failure(exc)) from None


def _database_failure(exc: SQLAlchemyError) -> str:
    """What the owner reads when the database fails a command: the database's own first line
    (the statement and its values left out)."""
    said = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
    return (
        f"the database failed ({type(exc).__name__}: {said[0] if said else ''}): the command "
        "stopped, its last change not saved. Check --db, RELATIONKIT_DB or db_url, that the "
        "server is up and the disk has room, then run the command again"
    )


def connector_flags() -> dict[str, tuple[str, list[str]]]:
    """The ``flags`` the installed connectors offer: setting -> (help, connector names)."""
    try:
        classes = connector_classes()
    except PluginError:
        return {}  # the plugin problem is reported where the plugins are used
    flags: dict[str, tuple[str, list[str]]] = {}
    for name, connector_class in classes.items():
        for setting, help_text in getattr(connector_class, "flags", {}).items():
            flags.setdefault(setting, (help_text, []))[1].append(name)
    return flags


def _with_connector_flags(command: click.Command) -> click.Command:
    """``sync`` with one ``--flag`` per boolean setting the installed connectors offer."""
    flags = connector_flags()
    if not flags:
        return command
    extended = copy.copy(command)
    extended.params = [
        *command.params,
        *(
            click.Option([f"--{setting.replace('_', '-')}", setting], is_flag=True, help=text)
            for setting, (text, _) in sorted(flags.items())
        ),
    ]
    return extended


def _merged(own: click.Group, plugin: click.Group) -> click.Group:
    """A built-in group with a plugin's group of the same name folded in (built-ins win)."""
    merged = copy.copy(own)
    merged.commands = {**plugin.commands, **own.commands}
    return merged


# -- output helpers ------------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, timedelta):
        return value.days
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _print_json(data: object) -> None:
    click.echo(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, default=_json_default))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _print_table(columns: Sequence[str], rows: Iterable[Sequence[object]], title: str = "") -> None:
    """A rich table on a terminal; tab-separated lines with a header row otherwise."""
    cells = [[_cell(v) for v in row] for row in rows]
    console = Console()
    if console.is_terminal:
        table = Table(*columns, title=title or None, title_justify="left")
        for row in cells:
            table.add_row(*(Text(v) for v in row))
        console.print(table)
        return
    if title:
        click.echo(f"# {title}")
    for row in [list(columns), *cells]:
        click.echo("\t".join(v.replace("\t", " ").replace("\n", " ") for v in row))


@contextmanager
def _progress(description: str) -> Iterator[Progressed]:
    """A progress bar on stderr while the block runs (nothing when stderr is not a terminal)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _done, _total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _money(amount: Decimal, currency: str = "") -> str:
    return f"{amount:,.2f} {currency}".strip()


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "name": contact.name, **contact.field_values()}


def _ref_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.id})"


# -- parameters ----------------------------------------------------------------------------------


def _mapping(values: Sequence[str]) -> dict[str, str]:
    """``--map COLUMN=field`` options as a dict (COLUMN as in the file's header row)."""
    mapping = {}
    for item in values:
        column, sep, target = item.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise click.BadParameter(f"{item!r} is not COLUMN=field", param_hint="--map")
        mapping[column.strip()] = target.strip()
    return mapping


_DURATION = re.compile(r"(\d+)\s*(m|min|h|d|w)", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """``--since``: a date or time (the computer's zone) or a duration back from now
    (``30m``, ``2h``, ``3d``, ``1w``), as an aware datetime."""
    if value is None:
        return None
    duration = _DURATION.fullmatch(value.strip())
    if duration:
        amount, unit = int(duration[1]), _UNITS[duration[2].lower()]
        try:
            return datetime.now().astimezone() - timedelta(**{unit: amount})
        except (OverflowError, ValueError):
            raise click.BadParameter(f"{value!r} reaches back before the year 1") from None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a date (2024-03-14), a time (2024-03-14T09:30) nor a "
            "duration (30m, 2h, 3d, 1w)"
        ) from None
    return when if when.tzinfo else when.astimezone()


# -- the group -----------------------------------------------------------------------------------


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(relationkit.__version__, "--version", "-V", prog_name="relationkit")
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Database URL (sqlite:///crm.db, postgresql://...). "
    "Default: RELATIONKIT_DB, else db_url in the config file, else the user data directory.",
)
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """relationkit: know your customers like a good shopkeeper does.

    One record of each customer, what they bought and every interaction, kept in sync with the
    tools you already use. Run `relationkit demo` to see it on a sample shop.
    """
    ctx.obj = CliContext(db_url)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List the loaded plugins and the hooks each implements."""
    info = plugin_info()
    if as_json:
        _print_json(info)
        return
    _print_table(
        ("Plugin", "Package", "Version", "Hooks"),
        [(p["name"], p["package"], p["version"], p["hooks"]) for p in info],
    )


# -- contacts ------------------------------------------------------------------------------------


@main.group()
def contacts() -> None:
    """List, show, add and edit contacts."""


def _contact_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The field options shared by ``contacts add`` and ``contacts edit``."""
    options = [
        click.option("--email", "emails", multiple=True, help="Email address (repeatable)."),
        click.option("--phone", "phones", multiple=True, help="Phone number (repeatable)."),
        click.option("--company", help="Company or organisation."),
        click.option("--position", help="Job title."),
        click.option("--birthday", help="1984-03-14, or --03-14 without the year, or 14 March."),
        click.option("--anniversary", help="A date worth remembering, like --birthday."),
        click.option("--address", help="Postal address on one line."),
        click.option("--notes", help="Free-text notes."),
        click.option("--tag", "tags", multiple=True, help="Tag (repeatable)."),
        click.option("--interest", "interests", multiple=True, help="Interest (repeatable)."),
        click.option("--channel", "preferred_channel", help="email, phone, sms, post, in_person."),
        click.option(
            "--marketing/--no-marketing", default=None, help="Agreed to marketing or not."
        ),
        click.option("--do-not-contact/--may-contact", default=None, help="Never reach out."),
        click.option("--linkedin", "linkedin_url", help="LinkedIn profile URL."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """The options actually given (unset options are None or an empty tuple)."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in fields.items() if v not in (None, ())
    }


@contacts.command("list")
@click.option("--tag", help="Only contacts with this tag.")
@click.option(
    "--search", "-s", "text", metavar="TEXT", help="Name, email, phone or company contains."
)
@click.option("--deleted", is_flag=True, help="The deleted customers instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def contacts_list(
    obj: CliContext, tag: str | None, text: str | None, deleted: bool, as_json: bool
) -> None:
    """List contacts, by name."""
    found = obj.workspace().find_contacts(text, tag=tag, deleted=deleted)
    if as_json:
        _print_json([_contact_json(c) for c in found])
        return
    _print_table(
        ("ID", "Name", "Email", "Phone", "Company", "Tags"),
        [(c.id, c.name, c.email, c.phone, c.company, c.tags) for c in found],
    )


@contacts.command("show")
@click.argument("ref")
@click.option(
    "--history",
    is_flag=True,
    help="Also every purchase and interaction, who last set each field, the sync's conflicts "
    "with the values they set aside, and what merges brought (both values of every field).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def contacts_show(obj: CliContext, ref: str, history: bool, as_json: bool) -> None:
    """Show one contact (REF: id, email or phone) with figures and recent history."""
    ws = obj.workspace()
    contact = ws.get_contact(ref)
    stats = ws.stats(contact)
    purchases, interactions = ws.purchases(contact), ws.interactions(contact)
    if not history:  # the last five of each
        purchases, interactions = purchases[-5:], interactions[-5:]
    purchases, interactions = purchases[::-1], interactions[::-1]
    settled = ws.conflicts(contact, include_resolved=True) if history else []
    if as_json:
        extra = {"conflicts": settled, "provenance": contact.provenance} if history else {}
        _print_json(
            {
                "contact": _contact_json(contact),
                "stats": stats,
                "recent_purchases": purchases,
                "recent_interactions": interactions,
                **extra,
            }
        )
        return
    consent = contact.consent
    marketing = {True: "yes", False: "no", None: "not asked"}[consent.marketing]
    details = [
        ("Emails", ", ".join(contact.emails)),
        ("Phones", ", ".join(contact.phones)),
        ("Company", " · ".join(p for p in (contact.company, contact.position) if p)),
        ("Birthday", contact.birthday and contact.birthday.iso()),
        ("Anniversary", contact.anniversary and contact.anniversary.iso()),
        ("Address", contact.address and contact.address.one_line()),
        ("Tags", ", ".join(contact.tags)),
        ("Interests", ", ".join(contact.interests)),
        ("Channel", contact.preferred_channel and contact.preferred_channel.value),
        ("Marketing", "do not contact" if consent.do_not_contact else marketing),
        ("LinkedIn", contact.linkedin_url),
        ("Numbers", "; ".join(str(item) for item in contact.external_ids)),
        ("Family", "; ".join(_family_member(m) for m in contact.family)),
        ("Milestones", "; ".join(f"{m.label} {m.date.iso()}" for m in contact.milestones)),
        ("Notes", contact.notes),
        *((f"{key}", value) for key, value in sorted(contact.custom.items())),
    ]
    click.echo(f"{contact.name}  ({contact.id})")
    if contact.deleted_at is not None:
        click.echo(
            f"  Deleted on {contact.deleted_at:%Y-%m-%d} by {contact.deleted_by or 'api'}: "
            f"`relationkit contacts undelete {contact.id}` brings it back"
        )
    for label, value in details:
        if value:
            click.echo(f"  {label + ':':<13}{value}")
    gap = f"{stats.typical_gap.days} days" if stats.typical_gap else "-"
    shop = ws.config.currency.upper()
    click.echo(
        f"  {'Purchases:':<13}{stats.purchase_count} · total {_money(stats.total_spend, shop)} · "
        f"last 12 months {_money(stats.spend_12m, shop)} · typical gap {gap}"
    )
    apart = {c: v for c, v in stats.spend_by_currency.items() if c != shop}
    if apart:
        rated = ws.config.rates()
        shown = ", ".join(
            _money(v, c) + ("" if c in rated else " (no rate: not in the total)")
            for c, v in sorted(apart.items())
        )
        click.echo(f"  {'Also paid:':<13}{shown}")
    click.echo(f"  {'Last touch:':<13}{stats.last_touch or 'never'}")
    if purchases:
        _print_table(
            ("Date", "Amount", "Status", "Category", "Items", "Note"),
            [
                (p.date, _money(p.amount, p.currency), _status(p), p.category, p.items, p.note)
                for p in purchases
            ],
            title="Recent purchases",
        )
    if interactions:
        _print_table(
            ("Date", "Kind", "Summary"),
            [(i.date, i.kind.value, i.summary) for i in interactions],
            title="Recent interactions",
        )
    if history:
        _print_history(ws, contact, settled)
        _print_merge_history(ws.merge_history(contact))


def _print_history(ws: Workspace, contact: Contact, settled: Sequence[Conflict]) -> None:
    """Who last set each field, then the conflicts the sync settled with the value set aside."""
    _print_table(
        ("Field", "Last set by"),
        [(name, _from(p.source, p.at)) for name, p in sorted(contact.provenance.items())],
        title="Fields",
    )
    if settled:
        _print_table(_CONFLICT_COLUMNS, _conflict_rows(ws, settled), title="Conflicts")


def _print_merge_history(found: Sequence[MergeRecord]) -> None:
    """The "Merged" part of ``contacts show --history``: for each merge into this contact,
    every field the two held differently, both values and where each came from."""
    if not found:
        return
    click.echo("Merged")
    for merge in found:
        how = "automatically" if merge.automatic else "by you"
        undone = f", undone {merge.undone_at:%Y-%m-%d}" if merge.undone_at else ""
        kept = merge.survivor.name if merge.survivor else merge.survivor_id
        click.echo(
            f"  {merge.at.astimezone():%Y-%m-%d %H:%M} {merge.absorbed.name} "
            f"({merge.absorbed_id}) merged into {kept} ({merge.survivor_id}) {how}, "
            f"{merge.source or 'unknown'}{undone}"
        )
        for diff in differences(merge):
            mark = {"survivor": " (kept)", "absorbed": "", "both": " (both kept)"}
            own = "" if diff.survivor is None else f"{_shown(diff.survivor)} from {kept}"
            theirs = f"{_shown(diff.absorbed)} from {merge.absorbed.name}"
            if diff.kept == "absorbed":
                theirs += " (kept)"
            elif own:
                own += mark[diff.kept]
            click.echo(f"    {diff.field}: {' / '.join(p for p in (own, theirs) if p)}")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items() if v not in (None, ""))
    return str(value).replace("\n", " ⏎ ")


def _family_member(member: FamilyMember) -> str:
    born = f" (born {member.birthday.iso()})" if member.birthday else ""
    return f"{member.relation + ': ' if member.relation else ''}{member.name}{born}"


@contacts.command("add")
@click.argument("name")
@_contact_options
@click.pass_obj
def contacts_add(obj: CliContext, name: str, **fields: Any) -> None:
    """Add a contact; someone who shares an email, phone or LinkedIn URL is updated instead."""
    ws = obj.workspace()
    draft, problems = contact_from_fields(
        {"name": name, **_given(fields)}, region=ws.config.region, source="cli"
    )
    if problems:
        raise problems[0]
    if not identity.tells_who(draft):
        raise click.UsageError(
            "a contact needs a name, email, phone, LinkedIn URL or street address"
        )
    result = ws.upsert(draft, source="cli")
    verb = {"created": "Added", "updated": "Updated", "unchanged": "Already known:"}[result.action]
    click.echo(f"{verb} {_ref_label(result.contact)}")
    for candidate in result.review:
        click.echo(f"Possible duplicate to review: {candidate.a} / {candidate.b}")


@contacts.command("edit")
@click.argument("ref")
@click.option("--name", help="Full name.")
@_contact_options
@click.pass_obj
def contacts_edit(obj: CliContext, ref: str, **fields: Any) -> None:
    """Change a contact's fields (REF: id, email or phone); list options replace the list."""
    given = _given(fields)
    if not given:
        raise click.UsageError("nothing to change: give at least one option, such as --company")
    contact = obj.workspace().update_contact(ref, source="cli", **given)
    click.echo(f"Updated {_ref_label(contact)}")


@contacts.command("delete")
@click.argument("ref")
@click.pass_obj
def contacts_delete(obj: CliContext, ref: str) -> None:
    """Delete a customer (REF: id, email or phone): out of lists, digests and tools; history
    kept. Tools whose connector has propagate_deletes delete it on the next sync."""
    contact = obj.workspace().delete_contact(ref, source="cli")
    click.echo(
        f"Deleted {_ref_label(contact)}; `relationkit contacts undelete {contact.id}` "
        "brings it back"
    )


@contacts.command("undelete")
@click.argument("ref")
@click.pass_obj
def contacts_undelete(obj: CliContext, ref: str) -> None:
    """Bring a deleted customer back, with its history (and into the tool it was deleted in)."""
    ws = obj.workspace()
    before = ws.get_contact(ref)
    if before.deleted_at is None:
        raise click.ClickException(f"{_ref_label(before)} is not deleted")
    contact = ws.undelete_contact(before)
    by_tool = before.deleted_by not in ("", "api", "cli")
    where = f" (and to {before.deleted_by} on the next sync)" if by_tool else ""
    click.echo(f"Brought back {_ref_label(contact)}{where}")


# -- purchases and interactions -----------------------------------------------------------------


@main.group()
def purchases() -> None:
    """Record, list and correct purchases."""


_DATE_HELP = "When: 2026-05-02, 5/2/2026, 2 May 2026 (default: today)."


@purchases.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("ref")
@click.argument("amount")
@click.option("--date", "on", help=_DATE_HELP)
@click.option("--category", default="", help="What kind of thing (mowers, seeds, service).")
@click.option("--items", default="", help="What exactly.")
@click.option("--currency", help="Three-letter code (default: the configured currency).")
@click.option("--note", default="", help="Anything worth remembering.")
@click.option("--order", help="The order or receipt number (recorded again, it is updated).")
@click.option("--status", help="paid (default), pending, failed, voided, refunded...")
@click.option("--refunded", help="What was given back of it.")
@click.pass_obj
def purchases_add(
    obj: CliContext,
    ref: str,
    amount: str,
    on: str | None,
    category: str,
    items: str,
    currency: str | None,
    note: str,
    order: str | None,
    status: str | None,
    refunded: str | None,
) -> None:
    """Record that REF (id, email or phone) bought something for AMOUNT.

    AMOUNT as written on the receipt ($1,240.50, 12.5, EUR 30); a negative one is a refund.
    """
    ws = obj.workspace()
    value, code = parse_amount(amount, currency=currency or ws.config.currency)
    purchase = ws.record_purchase(
        ref,
        value,
        on=on,
        currency=code,
        category=category,
        items=items,
        note=note,
        source="cli",
        order_id=order,
        status=status,
        refunded=refunded,
    )
    who = ws.get_contact(purchase.contact_id)
    spent = _money(purchase.amount, purchase.currency)
    state = "" if purchase.status == PurchaseStatus.PAID else f" ({_status(purchase)})"
    click.echo(f"Recorded {spent}{state} on {purchase.date} for {who.name}")


def _status(purchase: Purchase) -> str:
    """``paid``, ``partially_refunded (20.00 back)``, ``voided``..."""
    if purchase.refunded and purchase.status != PurchaseStatus.REFUNDED:
        return f"{purchase.status.value} ({_money(purchase.refunded)} back)"
    return purchase.status.value


@purchases.command("list")
@click.argument("ref", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def purchases_list(obj: CliContext, ref: str | None, limit: int, as_json: bool) -> None:
    """The latest purchases, of REF (id, email or phone) or of everyone, newest first.

    Each shows its id (for `purchases edit` and `delete`), what happened to the money and the
    amount that counts (kept: nothing for a failed, voided, pending or refunded sale)."""
    ws = obj.workspace()
    found = ws.purchases(ref)[::-1][:limit]
    if as_json:
        _print_json(found)
        return
    names = {cid: ws.get_contact(cid).name for cid in {p.contact_id for p in found}}
    _print_table(
        ("Id", "Date", "Customer", "Amount", "Status", "Kept", "Order", "Items"),
        [
            (
                p.id,
                p.date,
                names[p.contact_id],
                _money(p.amount, p.currency),
                _status(p),
                _money(p.kept, p.currency),
                p.external_id.removeprefix("order:"),
                p.items,
            )
            for p in found
        ],
    )


_WHY_HELP = "Why (kept in the purchase's history)."


@purchases.command("edit")
@click.argument("purchase")
@click.option("--amount", help="What was charged ($1,240.50, EUR 30).")
@click.option("--date", "on", help=_DATE_HELP)
@click.option("--currency", help="Three-letter code.")
@click.option(
    "--status",
    help="paid, partially_refunded, refunded, pending, failed or voided (as shops write them).",
)
@click.option("--refunded", help="What was given back of it.")
@click.option("--category")
@click.option("--items")
@click.option("--note")
@click.option("--why", default="", help=_WHY_HELP)
@click.pass_obj
def purchases_edit(obj: CliContext, purchase: str, why: str, **changes: str | None) -> None:
    """Correct PURCHASE (its id, or its order id). What it was is kept (`purchases history`),
    and later imports leave the corrected purchase as it is."""
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise click.UsageError("nothing to change: give --amount, --date, --status...")
    ws = obj.workspace()
    after = ws.edit_purchase(purchase, why=why, **given)
    click.echo(
        f"Purchase {after.id}: {_money(after.amount, after.currency)} on {after.date}, "
        f"{_status(after)}; counts {_money(after.kept, after.currency)}"
    )


@purchases.command("delete")
@click.argument("purchase")
@click.option("--why", default="", help=_WHY_HELP)
@click.pass_obj
def purchases_delete(obj: CliContext, purchase: str, why: str) -> None:
    """Strike PURCHASE (its id, or its order id) out: it is voided and counts for nothing,
    stays on record with its history, and later imports do not bring it back."""
    after = obj.workspace().delete_purchase(purchase, why=why)
    click.echo(
        f"Purchase {after.id} voided: {_money(after.amount, after.currency)} no longer counts"
    )


@purchases.command("history")
@click.argument("purchase")
@click.pass_obj
def purchases_history(obj: CliContext, purchase: str) -> None:
    """What PURCHASE was before each correction, oldest first."""
    ws = obj.workspace()
    entries = ws.purchase_history(purchase)
    if not entries:
        click.echo("Never corrected.")
        return
    _print_table(
        ("When", "Action", "Why", "Before"),
        [
            (
                f"{e['at']:%Y-%m-%d %H:%M}",
                e["action"],
                e["note"],
                f"{e['before']['amount']} {e['before']['currency']} on {e['before']['date']}, "
                f"{e['before']['status']}, refunded {e['before']['refunded']}",
            )
            for e in entries
        ],
    )


@main.group()
def interactions() -> None:
    """Log interactions: visits, calls, emails, notes."""


@interactions.command("add")
@click.argument("ref")
@click.argument("kind", type=click.Choice([k.value for k in InteractionKind], case_sensitive=False))
@click.argument("summary", required=False, default="")
@click.option("--date", "on", help=_DATE_HELP)
@click.pass_obj
def interactions_add(obj: CliContext, ref: str, kind: str, summary: str, on: str | None) -> None:
    """Log a KIND of interaction with REF (id, email or phone), with an optional SUMMARY."""
    ws = obj.workspace()
    day = parse_date(on, region=ws.config.region) if on else None
    interaction = ws.record_interaction(ref, kind, summary, on=day, source="cli")
    who = ws.get_contact(interaction.contact_id)
    click.echo(f"Logged {interaction.kind.value} on {interaction.date} with {who.name}")


# -- import and export ---------------------------------------------------------------------------


# What each count of an ImportReport means, for contacts and for purchases.
_CONTACT_COUNTS = (
    ("created", "created"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("merged", "combined with an earlier row"),
    ("needs_review", "possible duplicates to review"),
    ("rejected", "rejected"),
)
_PURCHASE_COUNTS = (
    ("created", "orders recorded"),
    ("updated", "updated"),
    ("unchanged", "already recorded"),
    ("needs_review", "matched no customer"),
    ("rejected", "rejected"),
)


def _print_understood(report: ImportReport, *, full: bool) -> None:
    """The format recognised and the columns left out (one line per group); with ``full``
    (``--dry-run``) also each column's field and the first rows as read."""
    understood = report.understood
    if understood is None:
        return
    click.echo(f"Format: {understood.title} (--format {understood.format})")
    if full:
        click.echo("Columns read:")
        for header, target in understood.mapping:
            click.echo(f"  {header or '(blank)'} -> {target}")
    for why, headers in understood.ignored.items():
        click.echo(f"Not imported, {why}: {', '.join(headers)}")
    if full and understood.preview:
        click.echo("First rows as read:")
        for row in understood.preview:
            click.echo("  " + "; ".join(f"{k}={v}" for k, v in row.items()))


def _print_import_report(report: ImportReport, counts: Sequence[tuple[str, str]]) -> None:
    click.echo(f"{report.file}: {report.read_as}")
    click.echo(", ".join(f"{label}: {getattr(report, name)}" for name, label in counts))
    if report.problems:
        _print_table(
            ("File", "Row", "Column", "Value", "Why"),
            [(p.file, p.row, p.column, p.value, p.why) for p in report.problems],
            title=f"{len(report.problems)} problem(s)",
        )


def _exit_if_left_out(left_out: int, what: str) -> None:
    """Exit with status 3 (as a partial sync does) when some rows were not imported, so that a
    script or a scheduled import notices; the rest was imported."""
    if left_out:
        from .jobs import ExitCode

        click.echo(f"Error: {left_out} {what} not imported; see above", err=True)
        raise SystemExit(int(ExitCode.PARTIAL))


@main.group("import")
def import_() -> None:
    """Import contacts or purchases from CSV files."""


_MAP_HELP = (
    "Read COLUMN as FIELD, overriding the header guess (repeatable): --map 'E-mail=email'; "
    "a customer, member or card number: --map 'Card=external_id:loyalty card'."
)
_ENCODING_HELP = (
    "Read the file in this encoding (utf-8, utf-16, cp1252, latin-1, mac-roman...) instead of "
    "guessing (UTF-8, UTF-16, else Windows-1252)."
)


_CONTACT_FORMAT_HELP = (
    "Read the file as this export instead of recognising it from its header: generic, google, "
    "outlook, shopify, square, wix, woocommerce, mailchimp (docs/imports.md)."
)
_ORDER_FORMAT_HELP = (
    "Read the file as this export instead of recognising it from its header: generic, "
    "shopify-orders, square-transactions, square-items, stripe, woocommerce-orders, paypal "
    "(docs/imports.md)."
)


@import_.command("csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help=_MAP_HELP)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the format, the columns, the first rows as read and what would happen; change "
    "nothing.",
)
@click.option("--encoding", metavar="NAME", help=_ENCODING_HELP)
@click.option("--format", "format_", metavar="NAME", help=_CONTACT_FORMAT_HELP)
@click.pass_obj
def import_csv(
    obj: CliContext,
    file: Path,
    maps: tuple[str, ...],
    dry_run: bool,
    encoding: str | None,
    format_: str | None,
) -> None:
    """Import contacts from a CSV FILE (its format and columns recognised by their headers)."""
    if file.suffix.lower() in (".vcf", ".vcard"):
        click.echo(f"{file.name} is a vCard file: importing it as one (relationkit import vcard)")
        _import_vcard(obj, file, dry_run)
        return
    ws = obj.workspace()
    with _progress(f"Importing {file.name}") as progress:
        report = import_contacts_csv(
            ws,
            file,
            mapping=_mapping(maps),
            dry_run=dry_run,
            progress=progress,
            encoding=encoding,
            format=format_,
        )
    _print_understood(report, full=dry_run)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    _print_import_report(report, _CONTACT_COUNTS)
    _exit_if_left_out(report.rejected, "row(s) were rejected and")


def _import_vcard(obj: CliContext, file: Path, dry_run: bool) -> None:
    from .formats.vcard import import_vcard

    report = import_vcard(obj.workspace(), file, dry_run=dry_run)
    _print_understood(report, full=dry_run)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    _print_import_report(report, _CONTACT_COUNTS)
    _exit_if_left_out(report.rejected, "card(s) were rejected and")


@import_.command("vcard")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the first cards as read and what would happen.")
@click.pass_obj
def import_vcard_command(obj: CliContext, file: Path, dry_run: bool) -> None:
    """Import contacts from a vCard FILE (.vcf: iPhone, macOS, Android, Google; 2.1/3.0/4.0)."""
    _import_vcard(obj, file, dry_run)


@import_.command("purchases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help=_MAP_HELP)
@click.option(
    "--unmatched",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the lines that matched no customer to this CSV file, to fix and import again.",
)
@click.option("--encoding", metavar="NAME", help=_ENCODING_HELP)
@click.option("--format", "format_", metavar="NAME", help=_ORDER_FORMAT_HELP)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the format, the columns, the first orders as read and what would happen; change "
    "nothing.",
)
@click.pass_obj
def import_purchases(
    obj: CliContext,
    file: Path,
    maps: tuple[str, ...],
    unmatched: Path | None,
    encoding: str | None,
    format_: str | None,
    dry_run: bool,
) -> None:
    """Import purchases from a CSV FILE, each matched to its customer by email, phone or name.

    Lines with the same order id are one purchase. A status column (Paid, Refunded,
    Failed...) and a refunded-amount column are read: only money that came in and stayed
    counts. Shop exports (Shopify orders, Square, Stripe, WooCommerce, PayPal) are recognised
    from their header. Importing the file again, or a later and longer export, updates the
    orders (a later refund, new lines) and records nothing twice.
    """
    from .formats.orders import import_orders

    ws = obj.workspace()
    with _progress(f"Importing {file.name}") as progress:
        report = import_orders(
            ws,
            file,
            mapping=_mapping(maps),
            progress=progress,
            encoding=encoding,
            format=format_,
            dry_run=dry_run,
        )
    _print_understood(report, full=dry_run)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    _print_import_report(report, _PURCHASE_COUNTS)
    for why, count in report.skipped.items():
        click.echo(f"Not counted as sales: {count} {why}")
    if unmatched is not None and report.unmatched:
        report.write_unmatched(unmatched)
        click.echo(f"Wrote {len(report.unmatched)} unmatched line(s) to {unmatched}")
    _exit_if_left_out(report.rejected + report.needs_review, "line(s) were")


@contextmanager
def _output(file: Path | None) -> Iterator[IO[str]]:
    """FILE written atomically (newlines as given; an error leaves any previous FILE as it
    was), or stdout for none or ``-``."""
    if file is None or str(file) == "-":
        yield sys.stdout
        return
    try:
        with write_atomically(file) as handle:
            yield handle
    except OSError as exc:
        kept = "is as it was" if file.exists() else "was not written"
        raise click.ClickException(
            f"cannot write {file}: {exc.strerror or exc}; {file} {kept}"
        ) from exc


@main.group()
def export() -> None:
    """Export contacts as CSV or vCard."""


@export.command("csv")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--raw",
    is_flag=True,
    help="Write cells as they are, for programs: no ' before cells starting with = + - @.",
)
@click.pass_obj
def export_csv(obj: CliContext, file: Path | None, raw: bool) -> None:
    """Write every contact to a CSV FILE (default: standard output).

    A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
    return, unless it is a plain number) gets a leading ' so that it opens as text; importing
    the file reads it without. --raw writes cells unchanged.
    """
    ws = obj.workspace()
    with _progress("Exporting"), _output(file) as handle:
        count = exporters.export_csv(ws, handle, raw=raw)
    click.echo(f"Wrote {count} contact(s) to {file or 'standard output'}", err=True)


@export.command("vcard")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--version",
    "version",
    type=click.Choice(["3.0", "4.0"]),
    default="3.0",
    show_default=True,
    help="vCard version (3.0 for most phones, 4.0 for newer software).",
)
@click.pass_obj
def export_vcard(obj: CliContext, file: Path | None, version: str) -> None:
    """Write every contact to a vCard FILE (default: standard output)."""
    ws = obj.workspace()
    with _progress("Exporting"), _output(file) as handle:
        count = exporters.export_vcard(ws, handle, version=version)
    click.echo(f"Wrote {count} vCard(s) to {file or 'standard output'}", err=True)


# -- duplicates ----------------------------------------------------------------------------------


@main.command()
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N groups.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def duplicates(obj: CliContext, limit: int | None, as_json: bool) -> None:
    """List likely duplicates as groups, most likely first, with the pairs and reasons inside;
    then `merge A B C...` or `not-duplicate A B`."""
    ws = obj.workspace()
    with _progress("Looking for duplicates"):
        groups = ws.duplicate_groups()[:limit]
        names = {cid: ws.get_contact(cid).name for group in groups for cid in group.ids}
    if as_json:
        _print_json([_group_json(group, names) for group in groups])
        return
    if not groups:
        click.echo("No likely duplicates.")
        return
    for number, group in enumerate(groups, start=1):
        _print_table(
            ("Score", "A", "B", "Why"),
            [
                (f"{p.score:.2f}", f"{names[p.a]} ({p.a})", f"{names[p.b]} ({p.b})", p.reasons)
                for p in group.pairs
            ],
            title=_group_title(number, group),
        )


def _group_title(number: int, group: DuplicateGroup) -> str:
    merge = "relationkit merge " + " ".join(group.ids)
    if len(group.ids) == 2:
        return f"{number}. Two contacts, likely one person: {merge}"
    if group.complete:
        return f"{number}. {len(group.ids)} contacts, likely one person: {merge}"
    return (
        f"{number}. {len(group.ids)} contacts linked pair by pair, not all alike: "
        "read the pairs, then merge those that are one person"
    )


def _group_json(group: DuplicateGroup, names: dict[str, str]) -> dict[str, Any]:
    return {
        "score": round(group.score, 3),
        "complete": group.complete,
        "contacts": [{"id": cid, "name": names[cid]} for cid in group.ids],
        "pairs": [
            {
                "a": {"id": p.a, "name": names[p.a]},
                "b": {"id": p.b, "name": names[p.b]},
                "score": round(p.score, 3),
                "reasons": p.reasons,
            }
            for p in group.pairs
        ],
    }


@main.command()
@click.argument("contacts", nargs=-1, required=True)
@click.pass_obj
def merge(obj: CliContext, contacts: tuple[str, ...]) -> None:
    """Merge CONTACTS (two or more: ids, emails or phones) into one; nothing is lost.

    All are merged or none: `relationkit merge A B C` takes a whole group from `duplicates`.
    """
    if len(contacts) < 2:
        raise click.UsageError("name two contacts or more to merge")
    ws = obj.workspace()
    found = [ws.get_contact(ref) for ref in contacts]
    survivor = ws.merge_group(*found, source="cli")
    absorbed = [c for c in found if c.id != survivor.id]
    click.echo(f"Merged {', '.join(_ref_label(c) for c in absorbed)} into {_ref_label(survivor)}")
    for contact in absorbed:
        click.echo(f"  (`relationkit unmerge {contact.id}` splits it off again)")


@main.command()
@click.argument("contact")
@click.pass_obj
def unmerge(obj: CliContext, contact: str) -> None:
    """Split a merge: CONTACT is the merged-away id (or the survivor: its latest merge).

    Both come back with their own fields, purchases, interactions, follow-ups and tool links;
    edits made since the merge stay on the survivor; the next sync corrects the tools.
    """
    done = obj.workspace().unmerge(contact)
    click.echo(f"Split {_ref_label(done.restored)} from {_ref_label(done.survivor)}")
    click.echo("  The next `relationkit sync` corrects both in your tools.")


@main.command("merges")
@click.option("--since", callback=_since, help="Only since a date, a time or 30m, 2h, 3d, 1w.")
@click.option("--auto", "auto", is_flag=True, help="Only the merges made automatically.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def merges_(obj: CliContext, since: datetime | None, auto: bool, as_json: bool) -> None:
    """List merges, newest first: who, when, by whom, and how to undo each."""
    found = obj.workspace().merges(since=since, automatic=True if auto else None)[::-1]
    if as_json:
        _print_json([_merge_json(m) for m in found])
        return
    if not found:
        click.echo("No merges.")
        return
    _print_table(
        ("When", "Kept", "Merged into it", "How", "Undo"),
        [
            (
                f"{m.at.astimezone():%Y-%m-%d %H:%M}",
                f"{(m.merged or m.survivor or m.absorbed).name} ({m.survivor_id})",
                f"{m.absorbed.name} ({m.absorbed_id})",
                f"{'automatic' if m.automatic else 'by you'}, {m.source or 'unknown'}",
                _undo_hint(m),
            )
            for m in found
        ],
    )


def _undo_hint(merge: MergeRecord) -> str:
    if merge.undone_at is not None:
        return f"undone {merge.undone_at.astimezone():%Y-%m-%d}"
    if merge.moved is None:
        return "cannot (merged before merges were recorded in full)"
    return f"relationkit unmerge {merge.absorbed_id}"


def _merge_json(merge: MergeRecord) -> dict[str, Any]:
    return {
        "id": merge.id,
        "at": merge.at,
        "survivor_id": merge.survivor_id,
        "absorbed_id": merge.absorbed_id,
        "source": merge.source,
        "automatic": merge.automatic,
        "can_undo": merge.can_undo,
        "undone_at": merge.undone_at,
    }


@main.command("not-duplicate")
@click.argument("a")
@click.argument("b")
@click.pass_obj
def not_duplicate(obj: CliContext, a: str, b: str) -> None:
    """Remember that A and B are different people (never suggested again)."""
    ws = obj.workspace()
    first, second = ws.get_contact(a), ws.get_contact(b)
    ws.not_duplicate(first, second)
    click.echo(f"Noted: {_ref_label(first)} and {_ref_label(second)} are different people")


# -- conflicts -----------------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A field's JSON-form value as the owner reads it."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return "" if value is None else str(value)


def _from(source: str, at: datetime) -> str:
    from .sync import source_label

    return f"{source_label(source)}, {at:%Y-%m-%d %H:%M}"


def _conflict_rows(ws: Workspace, found: Sequence[Conflict]) -> list[list[object]]:
    names = {i: c.name for i, c in ws.get_contacts(f.local_id for f in found).items()}
    return [
        [
            f.id,
            f"{names.get(f.local_id, f.local_id)} ({f.local_id})",
            f.field,
            f"{_shown(f.kept)}  [{_from(f.kept_source, f.kept_at)}"
            + ("; both kept" if f.both_kept else "")
            + "]",
            f"{_shown(f.lost)}  [{_from(f.lost_source, f.lost_at)}]",
            f.resolution or "open",
        ]
        for f in found
    ]


_CONFLICT_COLUMNS = ("ID", "Customer", "Field", "Kept (from)", "Set aside (from)", "Status")


@main.group(invoke_without_command=True)
@click.option("--all", "everything", is_flag=True, help="Also the ones used or dismissed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def conflicts(ctx: click.Context, everything: bool, as_json: bool) -> None:
    """Fields changed in two tools since the last sync: the value kept, the one set aside.

    `relationkit conflicts use-other ID` uses the value set aside (the next sync sends it to
    every tool); `relationkit conflicts dismiss ID` keeps the current one.
    """
    if ctx.invoked_subcommand is not None:
        return
    ws = ctx.obj.workspace()
    found = ws.conflicts(include_resolved=everything)
    if as_json:
        _print_json(found)
        return
    if not found:
        click.echo("No conflicts to look at.")
        return
    _print_table(_CONFLICT_COLUMNS, _conflict_rows(ws, found))
    click.echo(
        "`relationkit conflicts use-other ID` uses the value set aside (the next sync sends it "
        "to every tool); `relationkit conflicts dismiss ID` keeps the current one."
    )


@conflicts.command("use-other")
@click.argument("conflict_id", metavar="ID", type=int)
@click.pass_obj
def conflicts_use_other(obj: CliContext, conflict_id: int) -> None:
    """Set the field to the value the sync set aside; the next sync sends it to every tool."""
    ws = obj.workspace()
    done = ws.resolve_conflict(conflict_id, use="other", source="cli")
    contact = ws.get_contact(done.local_id) if done.kind == "contact" else None
    who = _ref_label(contact) if contact else done.local_id
    click.echo(
        f"{who}: {done.field} is now {_shown(done.lost)!r}; the next sync sends it to every tool."
    )


@conflicts.command("dismiss")
@click.argument("conflict_id", metavar="ID", type=int)
@click.pass_obj
def conflicts_dismiss(obj: CliContext, conflict_id: int) -> None:
    """Keep the current value; the conflict leaves the list (`conflicts --all` still shows it)."""
    done = obj.workspace().resolve_conflict(conflict_id, use="kept", source="cli")
    click.echo(f"Conflict {done.id} dismissed: {done.field} stays as it is.")


# -- sync ----------------------------------------------------------------------------------------


_SYNC_COLUMNS = (
    ("Connector", "name"),
    ("Pulled", "pulled"),
    ("Created", "created"),
    ("Updated", "updated"),
    ("Unchanged", "unchanged"),
    ("Merged", "merged"),
    ("Conflicts", "conflicts"),
    ("Removed there", "removed"),
    ("Pushed new", "pushed_created"),
    ("Pushed changes", "pushed_updated"),
    ("Pushed deletes", "pushed_deleted"),
    ("To review", "needs_review"),
    ("Errors", "errors"),
)


_SYNC_ALWAYS = ("name", "pulled", "errors")  # shown on a terminal even when 0


_SYNC_EXIT_HELP = (
    "Exit status: 0 everything synced, 1 nothing synced (every connector failed, or the safety "
    "guard stopped the run), 2 a wrong option, setting or connector name, 3 some connectors "
    "or records failed and the rest synced, 4 another sync is running (docs/scheduling.md)."
)


@main.command(epilog=_SYNC_EXIT_HELP)
@click.option(
    "--only",
    metavar="NAME,NAME",
    help="Sync only these connectors: google_sheets or just sheets, contacts, calendar...",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--full", is_flag=True, help="Re-read everything, not just changes since last time.")
@click.option(
    "--force",
    is_flag=True,
    help="Go on even if a tool (or one of its tabs) came back suspiciously empty.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the follow-ups are worked out for (default: today).",
)
@click.option(
    "--log-format",
    type=click.Choice(["human", "json"]),
    default="human",
    show_default=True,
    help="Log lines on stderr for people, or one JSON object per line for log collectors.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.option(
    "--verbose-pii",
    is_flag=True,
    help="Let customer data into the logs: failures' own messages and tracebacks, emails and "
    "phones (left out or redacted otherwise).",
)
@click.pass_obj
def sync(
    obj: CliContext,
    only: str | None,
    dry_run: bool,
    full: bool,
    force: bool,
    today: datetime | None,
    log_format: str,
    log_level: str,
    verbose_pii: bool,
    **flags: bool,
) -> None:
    """Sync every enabled connector: pull all, merge, refresh follow-ups, push all.

    Made to run unattended (cron, a systemd timer, a CI schedule): a second run while one is
    going stops at once, one failing connector does not stop the others, and the logs keep
    customer data out unless --verbose-pii is given. Options a connector adds (such as
    --all-contacts) switch its setting on for this run only.
    """
    from .jobs import ExitCode, SyncLocked, exit_code, run_sync_job
    from .logs import job_logging

    names = [n.strip() for n in only.split(",") if n.strip()] if only is not None else None
    if names == []:
        _sync_exit("--only names no connector; give names such as sheets,contacts", ExitCode.USAGE)
    console = Console(stderr=True)
    live = console.is_terminal and log_format == "human"
    with job_logging(
        fmt="json" if log_format == "json" else "human",
        level=getattr(logging, log_level.upper()),
        verbose_pii=verbose_pii,
        handler=_rich_log_handler(console) if live else None,
    ) as redacting:
        try:
            ws = obj.workspace()
            settings = _flag_settings(ws, names, flags)
            redacting.region = ws.config.region
            with _sync_progress(console, live) as observer:
                report = run_sync_job(
                    ws,
                    only=names,
                    dry_run=dry_run,
                    full=full,
                    force=force,
                    today=today.date() if today else None,
                    observer=observer,
                    settings=settings,
                )
        except SyncLocked as exc:
            _sync_exit(str(exc), ExitCode.LOCKED)
        except (ConfigError, NotFound, AuthError) as exc:
            _sync_exit(redacting.redact(str(exc)), ExitCode.USAGE)
        except SafetyGuardTripped as exc:
            _sync_exit(str(exc), ExitCode.FAILED)
        except SQLAlchemyError as exc:  # the database is down, unreachable or refuses us
            _sync_exit(
                f"cannot use the database ({describe(exc)}); check --db, "
                "RELATIONKIT_DB or db_url, and that the server is up",
                ExitCode.FAILED,
            )
        if not report.connectors:
            click.echo(
                "No connector is enabled: nothing to sync. Switch one on in the config file "
                "(docs/configuration.md); `relationkit doctor` shows what is set up."
            )
        _print_sync_report(report, redacting.redact)
        code = exit_code(report)
        logging.getLogger("relationkit.job").info("sync finished: exit status %d", code)
    if code != ExitCode.OK:
        click.echo(
            "Error: some connectors failed; see the messages above"
            if code == ExitCode.PARTIAL
            else "Error: nothing was synced; see the messages above",
            err=True,
        )
        raise SystemExit(int(code))


def _flag_settings(
    ws: Workspace, only: list[str] | None, flags: dict[str, bool]
) -> dict[str, dict[str, Any]]:
    """The settings the connector options given switch on, for the connectors this sync runs."""
    from .sync import connectors_to_run

    given = [setting for setting, on in flags.items() if on]
    if not given:
        return {}
    running = connectors_to_run(ws, only)
    offered = connector_flags()
    settings: dict[str, dict[str, Any]] = {}
    for setting in given:
        owners = [name for name in offered[setting][1] if name in running]
        if not owners:
            raise ConfigError(
                f"--{setting.replace('_', '-')} is for {', '.join(offered[setting][1])}, which "
                "this sync does not run: enable it in the config file or name it with --only"
            )
        for name in owners:
            settings.setdefault(name, {})[setting] = True
    return settings


def _sync_exit(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(int(code))


def _rich_log_handler(console: Console) -> logging.Handler:
    from rich.logging import RichHandler

    handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    return handler


@contextmanager
def _sync_progress(console: Console, live: bool) -> Iterator[Callable[[str, str], None]]:
    """An observer of the sync's steps: a spinner with the current step on a terminal."""
    steps = {
        "pull": "reading {}",
        "apply": "applying what {} had",
        "applied": "saving what {} had",
        "between": "refreshing follow-ups",
        "push": "writing to {}",
        "pushed": "saving what {} took",
        "saved": "writing to {}",
    }
    if not live:
        yield lambda _step, _name: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Syncing", total=None)
        yield lambda step, name: bar.update(
            task, description=f"Syncing: {steps.get(step, step).format(name)}"
        )


def _print_sync_report(report: SyncReport, redact: Callable[[str], str]) -> None:
    """The summary table, the planned writes of a dry run, then messages and problems."""
    if report.dry_run:
        click.echo("Dry run: nothing was changed; the pushes are what would be written.")
    counts = list(report.connectors.values())
    columns = list(_SYNC_COLUMNS)
    if Console().is_terminal:  # people read it: counts that are 0 everywhere are left out
        columns = [
            (header, name)
            for header, name in columns
            if name in _SYNC_ALWAYS or any(getattr(c, name) for c in counts)
        ]
    _print_table(
        [header for header, _ in columns],
        [[getattr(c, name) for _, name in columns] for c in counts],
    )
    click.echo(f"New follow-ups: {report.followups_created}")
    settled = sum(c.conflicts for c in counts)
    if settled and not report.dry_run:
        click.echo(
            f"Conflicts: {settled} field(s) changed in two places; the newer value is used and "
            "the other kept: `relationkit conflicts` lists them"
        )
    for connector in report.connectors.values():
        for change in connector.planned:
            what = f" ({', '.join(change.changed)})" if change.changed else ""
            click.echo(
                f"Would {change.op.value} {change.kind.value} {change.local_id} "
                f"in {connector.name}{what}"
            )
    for message in report.messages:
        click.echo(redact(message))
    for problem in report.problems:
        click.echo(f"Problem: {redact(str(problem))}")


@main.command()
@click.argument("connector", required=False)
@click.argument("contact", required=False)
@click.option("--all", "every", is_flag=True, help="Every record CONNECTOR marked removed.")
@click.option(
    "--since",
    metavar="DATE|DURATION",
    callback=_since,
    help="Only records marked removed since then: 2024-03-14, 2024-03-14T09:30, 2h, 3d, 1w "
    "(every connector unless CONNECTOR is given).",
)
@click.option("--list", "listing", is_flag=True, help="List the removed records; change nothing.")
@click.pass_obj
def restore(
    obj: CliContext,
    connector: str | None,
    contact: str | None,
    every: bool,
    since: datetime | None,
    listing: bool,
) -> None:
    """Write back, on the next sync, what a tool reported deleted (a row deleted from the sheet,
    a contact deleted in Google Contacts): one CONTACT, --all of CONNECTOR's, or those removed
    --since a date. relationkit kept them; --list shows them."""
    from .sync import connectors_to_run
    from .sync import restore as release

    if contact is not None and (every or since or listing):
        raise click.UsageError("give CONTACT, or --all/--since/--list, not both")
    if contact is None and not (every or since or listing):
        raise click.UsageError(
            "say what to restore: CONNECTOR CONTACT, --all CONNECTOR, or --since DATE|DURATION "
            "(`relationkit restore --list` shows what was removed)"
        )
    if every and connector is None:
        raise click.UsageError("--all needs the CONNECTOR, e.g. `relationkit restore --all sheets`")
    ws = obj.workspace()
    if connector is not None:
        (connector,) = connectors_to_run(ws, [connector])
    if contact is not None and connector is not None:
        found = ws.get_contact(contact)
        if not release(ws, connector, found.id):
            raise click.ClickException(f"{_ref_label(found)} was not deleted in {connector}")
        click.echo(f"{_ref_label(found)} will be written to {connector} again on the next sync.")
        return
    where = f" in {connector}" if connector else ""
    if listing:
        _print_removed(ws, ws.removed_records(connector, since=since), where)
        return
    count = ws.restore_removed(connector, since=since)
    if not count:
        click.echo(f"Nothing to restore: no record was marked removed{where}.")
        return
    to = connector or "the tools they were removed from"
    records = "1 record" if count == 1 else f"{count} records"
    click.echo(f"{records} will be written to {to} again on the next sync.")


def _print_removed(ws: Workspace, removed: Sequence[Any], where: str) -> None:
    """The removed records, oldest first, contacts by name (the owner's own terminal)."""
    if not removed:
        click.echo(f"No record is marked removed{where}.")
        return
    names = {}
    for record in removed:
        if record.kind.value == "contact" and record.local_id not in names:
            try:
                names[record.local_id] = ws.get_contact(record.local_id).name
            except NotFound:
                names[record.local_id] = ""
    _print_table(
        ["Removed", "Connector", "Kind", "Record", "Name"],
        [
            [
                r.removed_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                r.connector,
                r.kind.value,
                r.local_id,
                names.get(r.local_id, ""),
            ]
            for r in removed
        ],
    )


# -- auth ----------------------------------------------------------------------------------------


@main.group()
def auth() -> None:
    """Connect relationkit to your accounts (plugins add theirs, e.g. `auth linkedin`)."""


@auth.command("google")
@click.option(
    "--no-browser",
    is_flag=True,
    help="For a machine without a browser: print the address to open elsewhere, then paste back "
    "the address the browser ended on.",
)
@click.option(
    "--port", type=int, default=0, show_default=True, help="Local port for Google's answer (0: any)"
)
@click.option(
    "--client-secrets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The JSON of your OAuth client ID (type Desktop app). Default: "
    "RELATIONKIT_GOOGLE_CLIENT_SECRETS, else client_secrets in [google].",
)
@click.option("--scope", "extra", multiple=True, help="Ask for this scope too (repeatable).")
def auth_google(
    no_browser: bool, port: int, client_secrets: Path | None, extra: tuple[str, ...]
) -> None:
    """Sign in to Google for the enabled connectors, asking only for the access they need.

    The sign-in (a refresh token) is saved beside the config file, readable by you only;
    syncs renew it by themselves. Run this again when a command says the sign-in was refused.
    """
    from .auth import client_config, enabled_google_scopes, sign_in

    config = load_config()
    scopes = sorted({*enabled_google_scopes(config), *extra})
    done = sign_in(
        scopes,
        client_config(config, client_secrets),
        open_browser=not no_browser,
        port=port,
        show=click.echo,
        ask=click.prompt,
    )
    click.echo(f"Signed in to Google; saved in {done.path} (readable by you only).")
    for scope in done.scopes:
        click.echo(f"  access: {scope}")


# -- doctor --------------------------------------------------------------------------------------


class _Checks:
    """Findings printed as they come: ✓ fine, ! worth knowing, ✗ to fix (with how)."""

    def __init__(self) -> None:
        self.problems = 0

    def ok(self, message: str) -> None:
        click.echo(f"✓ {message}")

    def note(self, message: str) -> None:
        click.echo(f"! {message}")

    def fail(self, message: str, fix: str) -> None:
        self.problems += 1
        click.echo(f"✗ {message}\n  fix: {fix}")


def _check_config(checks: _Checks) -> Config | None:
    try:
        config = load_config()
    except BadSettings as exc:
        for problem in exc.problems:
            checks.fail(str(problem), "correct it in the config file (docs/configuration.md)")
        return None
    except ConfigError as exc:
        checks.fail(str(exc), "correct the file, or point RELATIONKIT_CONFIG at another one")
        return None
    if config.path:
        checks.ok(f"config file {config.path} read")
    else:
        checks.ok(f"no config file at {config_path()}; using the defaults")
    return config


def _check_settings(checks: _Checks, config: Config) -> set[str]:
    """Every value of the connector and playbook tables that does not fit its declared setting,
    each with its file and line; the connectors whose tables have one (not set up further)."""
    from .settings import config_problems

    problems = config_problems(config)
    for problem in problems:
        checks.fail(str(problem), "correct it in the config file (docs/configuration.md)")
    if not problems and (config.connectors or config.playbook):
        checks.ok("connector and playbook settings are of the right types")
    return {p.table.split(".", 1)[1] for p in problems if p.table.startswith("connectors.")}


def _check_database(checks: _Checks, url: str) -> bool:
    """True when the database exists at the schema this relationkit expects (opening it then
    changes nothing); a missing, older or unreachable one is reported and gives False."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from .store.database import (
        alembic_config,
        create_db_engine,
        current_revision,
        head_revision,
        sqlite_file,
    )

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    on_disk = sqlite_file(parsed)
    if on_disk is not None and not on_disk.exists():
        checks.ok(f"database {shown} does not exist yet; the first command creates it")
        return False
    try:
        engine = create_db_engine(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        checks.fail(
            f"cannot open database {shown}: {exc.__class__.__name__}: {exc}",
            "check --db, RELATIONKIT_DB or db_url in the config file, and that the server is up",
        )
        return False
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision == head_revision():
        checks.ok(f"database {shown} is up to date (revision {revision})")
        return True
    if revision is None:
        checks.ok(f"database {shown} has no tables yet; the first command creates them")
        return False
    if revision in known:
        checks.note(f"database {shown} is at revision {revision}; the next command upgrades it")
    else:
        checks.fail(
            f"database {shown} is at revision {revision}, written by a newer relationkit",
            "upgrade relationkit (pip install -U relationkit)",
        )
    return False


def _check_plugins(checks: _Checks) -> dict[str, type] | None:
    """The connector classes, when every plugin loads."""
    try:
        names = [p["name"] for p in plugin_info()]
        known = connector_classes()
    except PluginError as exc:
        checks.fail(str(exc), "upgrade or uninstall that plugin, or set RELATIONKIT_LOAD_PLUGINS")
        return None
    checks.ok(f"{len(names)} plugin(s) loaded: {', '.join(names) or 'none'}")
    return known


def _check_connectors(
    checks: _Checks,
    config: Config,
    known: dict[str, type],
    ws: Workspace | None,
    *,
    google_ok: bool,
    unset: set[str],
) -> None:
    """Each enabled connector is installed and, with a usable database (and for a Google one,
    a working sign-in) and no bad value in its table (``unset``), passes its own check."""
    from .auth import google_scopes

    enabled = config.enabled_connectors()
    if not enabled:
        checks.note(
            "no connector is enabled: your customers are kept here only. To sync your sheet, "
            "contacts or calendar, switch them on in the config file (docs/configuration.md), "
            "then run `relationkit auth google`"
        )
    for name in enabled:
        if name not in known:
            continue  # an unknown connector table: reported with the settings
        if name in unset:
            checks.note(f"connector {name}: its set-up is checked once its settings are fixed")
            continue
        if ws is None:
            checks.ok(f"connector {name} is installed (its set-up is checked once the database is)")
            continue
        if not google_ok and google_scopes([known[name]]):
            checks.note(f"connector {name} is installed; its set-up is checked once signed in")
            continue
        try:
            connector = known[name](ws, config.connector(name))
            try:
                problems = connector.check()
            finally:
                connector.close()
        except RelationkitError as exc:
            problems = [str(exc)]
        except Exception as exc:  # a plugin's bug or a library's error: a finding, not a crash
            problems = [f"its check failed: {type(exc).__name__}: {exc}"]
        for problem in problems:
            checks.fail(problem, f"correct [connectors.{name}] in {config.path}")
        if not problems:
            checks.ok(f"connector {name} is installed and set up")


def _check_google_auth(checks: _Checks, config: Config, known: dict[str, type]) -> bool:
    """Whether the Google sign-in (or service account) works for the enabled connectors (true
    when none needs it)."""
    from .auth import google_auth_status, google_scopes

    scopes = google_scopes(known[n] for n in config.enabled_connectors() if n in known)
    if not scopes:
        return True
    status = google_auth_status(scopes, config)
    if status.ok:
        checks.ok(status.message)
    else:
        checks.fail(status.message, status.fix)
    return status.ok


@main.command()
@click.pass_obj
def doctor(obj: CliContext) -> None:
    """Check the configuration, database, plugins, Google access and each connector's set-up
    (its own check: the sheet's structure, the API answering); say what to fix."""
    checks = _Checks()
    config = _check_config(checks)
    url = obj.db_url or (config.db_url if config else default_db_url())
    database_ready = _check_database(checks, url)
    known = _check_plugins(checks)
    if config is not None and known is not None:
        unset = _check_settings(checks, config)
        google_ok = _check_google_auth(checks, config, known)
        if database_ready:
            with relationkit.open(url, config=config) as ws:
                _check_connectors(checks, config, known, ws, google_ok=google_ok, unset=unset)
        else:
            _check_connectors(checks, config, known, None, google_ok=google_ok, unset=unset)
    if checks.problems:
        click.echo(f"{checks.problems} problem(s) to fix.")
        raise SystemExit(1)
    click.echo("Everything looks fine.")


@main.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True,
    help="Port (0: any free one).",
)  # fmt: skip
@click.option(
    "--seed", type=click.Choice(["empty", "demo"]), default="empty", show_default=True,
    help="Data to start with.",
)  # fmt: skip
def emulator(port: int, seed: str) -> None:
    """Run the local Google API emulator until Ctrl-C (for offline tests and trying things)."""
    from .testing.emulator import serve_forever

    try:
        serve_forever(port=port, seed=seed)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc


# -- demo ----------------------------------------------------------------------------------------


@main.command()
@click.option("--keep", is_flag=True, help="Leave the emulator running afterwards, until Ctrl-C.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The shop's today: its data and the digest are worked out for this day "
    "(default 2026-11-23, so every run shows the same).",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo's database, config and LinkedIn export in this folder "
    "(default: a temporary folder, removed at the end).",
)
def demo(keep: bool, today: datetime | None, folder: Path | None) -> None:
    """Show relationkit on a sample garden & mower shop, with every installed plugin.

    Starts a local Google emulator holding the shop's customer sheet and contacts, syncs it
    into a database of its own and shows this week's digest. Nothing of yours is touched: it
    ignores --db and your config file.
    """
    from .demo import DEMO_TODAY, run_demo

    run_demo(keep, today=today.date() if today else DEMO_TODAY, folder=folder)
