"""``relationkit sheets init`` and ``relationkit sheets adopt``."""

from __future__ import annotations

import click

from relationkit.config import update_config
from relationkit.errors import InvalidValue

from . import setup
from .connector import GoogleSheetsConnector, sheets_http, spreadsheet_id_of
from .contacts import synced_as
from .signups import GoogleFormSignupsConnector

_TABLE = f"connectors.{GoogleSheetsConnector.name}"
_URL = "https://docs.google.com/spreadsheets/d/{}/edit"


@click.group()
def sheets() -> None:
    """Use a Google Sheet as your customer list (synced both ways by `relationkit sync`)."""


@sheets.command()
@click.option("--title", default="Customers", show_default=True, help="The spreadsheet's name.")
def init(title: str) -> None:
    """Create a spreadsheet laid out for relationkit and sync with it from now on."""
    ws = click.get_current_context().obj.workspace()
    http = sheets_http()
    spreadsheet_id, sheet_ids = setup.init(http, title)
    path = update_config(
        _TABLE, {"spreadsheet_id": spreadsheet_id, "sheet_ids": sheet_ids}, ws.config.path
    )
    click.echo(f"Created {_URL.format(spreadsheet_id)}")
    click.echo(f"Saved in {path}. Run `relationkit sync` to fill it in.")


def _maps(items: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in items:
        header, sep, target = item.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise click.BadParameter(f"{item!r} is not HEADER=field", param_hint="--map")
        mapping[header.strip()] = target.strip()
    return mapping


@sheets.command()
@click.argument("url_or_id")
@click.option("--tab", help="The tab holding your customers (default: the first).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="HEADER=FIELD",
    help="Read the column HEADER as FIELD (repeatable; also custom or ignore).",
)
@click.option(
    "--signups",
    is_flag=True,
    help="A tab of sign-ups (a Google Form's responses): read only, each becomes a contact.",
)
def adopt(url_or_id: str, tab: str | None, maps: tuple[str, ...], signups: bool) -> None:
    """Sync with your existing customer sheet, keeping its columns and order.

    Only two columns are added after your last one: Problems and relationkit id. With
    --signups the tab is only read: nothing is added to it.
    """
    ws = click.get_current_context().obj.workspace()
    http = sheets_http()
    how = setup.adopt_signups if signups else setup.adopt
    try:
        adopted = how(http, spreadsheet_id_of(url_or_id), tab, _maps(maps))
    except InvalidValue as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--tab") from None
    table_name = f"connectors.{GoogleFormSignupsConnector.name}" if signups else _TABLE
    path = update_config(table_name, adopted.settings, ws.config.path)
    table = adopted.table
    click.echo(f"Adopted the tab {table.title!r}: {len(table.rows)} rows.")
    for index, target in sorted(table.columns.items()):
        if target not in ("id", "problems"):
            if target.startswith("custom:"):
                shown = f"kept as {target}"
            elif signups or synced_as(target):
                shown = f"-> {target}"
            else:
                shown = f"kept as a custom field (a sheet column for {target} is not synced)"
            click.echo(f"  {table.header[index] or f'column {index + 1}'} {shown}")
    if signups:
        click.echo(f"Saved in {path}. Run `relationkit sync`: each response becomes a contact.")
    else:
        click.echo(f"Saved in {path}. Run `relationkit sync`: each row gets its id.")


@sheets.command()
def review() -> None:
    """Apply the decisions typed in the Duplicates tab, then list the duplicates left."""
    from .review import review as run_review

    ws = click.get_current_context().obj.workspace()
    settings = ws.config.connector(GoogleSheetsConnector.name)
    spreadsheet = str(settings.get("spreadsheet_id") or "")
    if not spreadsheet:
        raise click.UsageError("no spreadsheet yet: run `relationkit sheets init` first")
    done = run_review(ws, sheets_http(), spreadsheet_id_of(spreadsheet))
    click.echo(f"Merged {done.merged}, kept apart {done.different}; {done.queued} to review.")
    for problem in done.problems:
        click.echo(f"  {problem}")
