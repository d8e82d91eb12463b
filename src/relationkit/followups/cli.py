"""The ``digest`` and ``followups`` commands (added to the CLI by :mod:`.builtin`)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from ..files import write_bytes_atomically
from ..models import FollowUpStatus
from ..store.codec import to_jsonable
from .digest import weekly_digest
from .render import FORMATS, digest_table, render, render_ics, summary

if TYPE_CHECKING:
    from ..workspace import Workspace

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _workspace() -> Workspace:
    return click.get_current_context().obj.workspace()


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command()
@click.option("--today", type=DATE, help="Plan the week starting on this day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--ics",
    "ics",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an iCalendar file.",
)
@click.option(
    "--budget", type=click.IntRange(min=1), metavar="MIN", help="Minutes to spend (default 15)."
)
def digest(today: datetime | None, fmt: str, ics: Path | None, budget: int | None) -> None:
    """This week's follow-ups, most valuable first, within your time budget."""
    result = weekly_digest(_workspace(), _day(today), budget)
    if fmt == "text":
        console = Console()
        console.print(digest_table(result))
        for line in summary(result):
            console.print(line, highlight=False, markup=False)
    else:
        click.echo(render(result, fmt), nl=False)
    if ics:
        write_bytes_atomically(ics, render_ics(result))
        click.echo(f"Wrote {len(result.items)} event(s) to {ics}", err=True)


@click.group()
def followups() -> None:
    """List follow-ups and record what you did with them."""


@followups.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in FollowUpStatus] + ["all"]),
    default="open",
    show_default=True,
)
@click.option("--due-by", type=DATE, help="Only those due by this day.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def followups_list(status: str, due_by: datetime | None, as_json: bool) -> None:
    """Follow-ups, soonest due first."""
    found = _workspace().followups(status=None if status == "all" else status, due_by=_day(due_by))
    if as_json:
        click.echo(json.dumps(to_jsonable(found), indent=2, ensure_ascii=False))
        return
    for f in found:
        click.echo("\t".join([f.id, f.due.isoformat(), f.status.value, f.rule, f.title]))


@followups.command("done")
@click.argument("followup_id")
@click.option("--note", default="", help="What happened (logged as the interaction's summary).")
@click.option("--on", type=DATE, help="When you did it (default today).")
def followups_done(followup_id: str, note: str, on: datetime | None) -> None:
    """Mark a follow-up done and log the interaction."""
    _workspace().complete_followup(followup_id, note, on=_day(on), source="cli")
    click.echo(f"Done: {followup_id}")


@followups.command("skip")
@click.argument("followup_id")
@click.option("--note", help="Why (kept with the follow-up).")
def followups_skip(followup_id: str, note: str | None) -> None:
    """Skip a follow-up: it is not suggested again."""
    _workspace().update_followup(followup_id, status=FollowUpStatus.SKIPPED, note=note)
    click.echo(f"Skipped: {followup_id}")


@followups.command("snooze")
@click.argument("followup_id")
@click.option("--until", "until", type=DATE, help="Show it again from this day.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="Or: for this many days.",
)
def followups_snooze(followup_id: str, until: datetime | None, days: int) -> None:
    """Put a follow-up off until later."""
    when = _day(until) or date.today() + timedelta(days=days)
    _workspace().update_followup(followup_id, snoozed_until=when)
    click.echo(f"Snoozed until {when.isoformat()}: {followup_id}")
