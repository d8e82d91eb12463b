"""``relationkit demo``: the whole product on a sample shop, with no Google account.

:func:`run_demo` starts the embedded Google emulator seeded with Greenleaf Garden & Mower
(:mod:`relationkit.testing.demo_business`): the owner's messy customer spreadsheet, their
Google contacts and an empty calendar, plus a LinkedIn ``Connections.csv`` export. It makes a
database and a config file in a folder of its own, points relationkit at the emulator
(``RELATIONKIT_GOOGLE_EMULATOR``), runs the real sync job through every installed plugin,
imports the LinkedIn export, syncs again, and shows what happened in each tool, the duplicates
waiting for review and this week's digest. The user's own database and config are never read
or written.

Plugins are reached only through hooks: a connector or the ``linkedin`` command that is not
installed is reported in one line and the rest of the demo goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from . import plugins
from .config import load_config, update_config
from .csvfiles import SpreadsheetWriter
from .errors import RelationkitError
from .files import write_atomically
from .followups import Digest, weekly_digest
from .followups.render import digest_table, summary
from .models import FollowUpStatus
from .testing.demo_business import DEMO_TODAY, SHOP, SPREADSHEET_TITLE
from .testing.seeds import DemoSeed, write_connections_csv

if TYPE_CHECKING:
    from .sync.report import SyncReport
    from .testing.emulator.server import GoogleEmulator
    from .workspace import Workspace

# The Google connectors the demo sets up, in this order, and what each one is for.
GOOGLE_CONNECTORS: dict[str, str] = {
    "google_sheets": "Google Sheets (the owner's customer spreadsheet)",
    "google_contacts": "Google Contacts (the phone's address book)",
    "google_calendar": "Google Calendar (follow-ups as events)",
}
TOOL_NAMES = {
    "google_sheets": "Sheets",
    "google_contacts": "Contacts",
    "google_calendar": "Calendar",
}
PURCHASES_TAB = "Purchases"
SOURCES = {"google_sheets": "sheet rows", "google_contacts": "labelled contacts"}
# How the owner's sheet is adopted: its customers tab, and their "Likes" column as interests.
ADOPT_OPTIONS = ("--tab", "Customers", "--map", "Likes=interests")
# Playbook settings that fit a garden centre in late November.
DEMO_PLAYBOOK: dict[str, dict[str, Any]] = {
    # Gardeners skip the winter: nobody counts as lapsed before eight months without a visit.
    "winback": {"min_days": 240},
    "seasonal": {
        "campaigns": [
            {
                "name": "Winter mower service",
                "category": "mowers",
                "send_from": "11-15",
                "send_until": "12-20",
                "offer": "15% off a winter mower service before the spring rush",
            }
        ]
    },
    "recommend": {
        "items": [
            {
                "name": "bare-root fruit trees",
                "matches": ["fruit trees"],
                "description": "bare-root apple, pear and plum trees arrive next week",
            }
        ]
    },
}


@dataclass
class DemoRun:
    """What a demo run made and found (the folder is gone after the run unless it was given)."""

    folder: Path
    db_url: str
    config_path: Path
    emulator_url: str
    seed: DemoSeed
    configured: list[str] = field(default_factory=list)  # connectors synced
    missing: list[str] = field(default_factory=list)  # connectors / commands not installed
    reports: list[SyncReport] = field(default_factory=list)
    digest: Digest | None = None
    seconds: float = 0.0


def run_demo(
    keep: bool = False,
    *,
    today: date = DEMO_TODAY,
    folder: Path | None = None,
    console: Console | None = None,
) -> DemoRun:
    """Run the demo as of ``today`` and print what happens on ``console``.

    The database, config file and LinkedIn export go in ``folder`` (kept afterwards), or in a
    temporary folder removed at the end. ``keep`` leaves the emulator running, and says how to
    point relationkit at it, until Ctrl-C.
    """
    from .testing.emulator.server import GoogleEmulator
    from .testing.seeds import demo as seed_demo

    console = console or Console()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rk-demo-")))
        folder = _checked(folder)
        emulator = stack.enter_context(GoogleEmulator())
        run = DemoRun(
            folder=folder,
            db_url=f"sqlite:///{folder / 'demo.db'}",
            config_path=folder / "config.toml",
            emulator_url=emulator.url,
            seed=seed_demo(emulator, today),
        )
        stack.enter_context(_pointed_at(run))
        _show_start(console, run, emulator, today)
        _write_config(console, run)
        with _open(run) as ws:
            _sync(console, run, ws, today, "First sync: the sheet and Contacts, as one list")
            imported = [_import_sales(console, run), _import_linkedin(console, run)]
            if any(imported) and run.configured:
                _sync(console, run, ws, today, "Second sync: sales and LinkedIn reach every tool")
            _show_tools(console, run, emulator)
            _show_store(console, run, ws)
            run.digest = weekly_digest(ws, today)
            _show_digest(console, ws, run.digest)
        run.seconds = time.perf_counter() - started
        console.print(f"\nThe demo took {run.seconds:.1f} s.", highlight=False)
        if keep:
            _wait(console, run)
    return run


# -- set-up ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _pointed_at(run: DemoRun) -> Iterator[None]:
    """relationkit's environment aimed at the demo's emulator, database and config (the lock
    file goes in its folder too); restored afterwards."""
    wanted = {
        "RELATIONKIT_GOOGLE_EMULATOR": run.emulator_url,
        "RELATIONKIT_CONFIG": str(run.config_path),
        "RELATIONKIT_DB": run.db_url,
        "RELATIONKIT_DATA_DIR": str(run.folder),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _checked(folder: Path) -> Path:
    """The demo's folder, made if missing, as an absolute path; refused if it holds a demo."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "demo.db").exists() or (folder / "config.toml").exists():
        raise RelationkitError(
            f"{folder} already holds a demo (demo.db, config.toml): each demo starts a new "
            "emulator, so give a new or empty folder"
        )
    return folder


def _write_config(console: Console, run: DemoRun) -> None:
    """The demo's playbook, ``[connectors.*]`` for each installed Google connector, and the
    owner's sheet adopted with the Sheets plugin's own ``sheets adopt`` command."""
    for rule, values in DEMO_PLAYBOOK.items():
        update_config(f"playbook.{rule}", values, run.config_path)
    installed = plugins.connector_classes()
    for name in GOOGLE_CONNECTORS:
        if name not in installed:
            run.missing.append(name)
            console.print(f"{GOOGLE_CONNECTORS[name]}: plugin not installed, skipped.")
        elif name != "google_sheets":
            update_config(f"connectors.{name}", {}, run.config_path)
            run.configured.append(name)
        elif _command(console, run, ["sheets", "adopt", run.seed.spreadsheet_id, *ADOPT_OPTIONS]):
            run.configured.append(name)


@contextlib.contextmanager
def _open(run: DemoRun) -> Iterator[Workspace]:
    import relationkit

    ws = relationkit.open(run.db_url, config=load_config(run.config_path))
    try:
        yield ws
    finally:
        ws.close()


# -- steps -------------------------------------------------------------------------------------


def _show_start(console: Console, run: DemoRun, emulator: GoogleEmulator, today: date) -> None:
    business = run.seed.business
    in_sheet = sum(c.in_sheet for c in business.customers)
    labelled = len(emulator.people.group_members(run.seed.customer_group.split("/")[-1]))
    console.rule(f"{SHOP}: relationkit on a sample shop, as of {today:%A %d %B %Y}")
    console.print(
        f"A Google emulator runs at {run.emulator_url} with the shop's Google account:\n"
        f"  • Sheets: '{SPREADSHEET_TITLE}', {in_sheet} customers typed in by the owner (a "
        f"duplicated row, a bad email, dates typed several ways) and "
        f"{len(business.sales):,} purchases over two years;\n"
        f"  • Contacts: {len(emulator.people.contacts())} contacts, {labelled} labelled "
        "'Customers' (many also in the sheet, phones written differently);\n"
        "  • Calendar: empty.\n"
        f"Everything relationkit keeps goes in {run.folder}.",
        highlight=False,
    )


def _sync(console: Console, run: DemoRun, ws: Workspace, today: date, title: str) -> None:
    from .jobs import run_sync_job

    if not run.configured:
        return
    console.rule(title)
    with console.status("Syncing ..."):
        report = run_sync_job(ws, today=today)
    run.reports.append(report)
    _show_report(console, report)


def _show_report(console: Console, report: SyncReport) -> None:
    table = Table(title_justify="left")
    table.add_column("Tool", no_wrap=True)
    for heading in ("Read", "New here", "Updated here", "Written there", "Updated there",
                    "To review", "Errors"):  # fmt: skip
        table.add_column(heading, justify="right")
    for name, counts in report.connectors.items():
        figures = (counts.pulled, counts.created, counts.updated, counts.pushed_created,
                   counts.pushed_updated, counts.needs_review, counts.errors)  # fmt: skip
        table.add_row(TOOL_NAMES.get(name, name), *(f"{n:,}" for n in figures))
    console.print(table)
    console.print(
        f"Follow-ups worked out between reading and writing: {report.followups_created} new."
    )
    if report.problems:
        console.print(
            f"{len(report.problems)} value(s) could not be read (the rest of each record synced):"
        )
        kinds = Counter((p.connector, p.field, p.why) for p in report.problems)
        for (connector, name, why), count in kinds.most_common(6):
            example = next(
                p
                for p in report.problems
                if (p.connector, p.field, p.why) == (connector, name, why)
            )
            console.print(f"  • {count} × {example}", highlight=False, markup=False)
        if len(kinds) > 6:
            console.print(f"  … and {len(kinds) - 6} other kind(s)")
    for message in report.messages:
        console.print(f"  {message}", highlight=False, markup=False)


def _import_sales(console: Console, run: DemoRun) -> bool:
    """The owner downloads the sheet's Purchases tab as CSV and imports it as a till export
    (``relationkit import purchases``): each sale is matched to its customer."""
    from .google import gspread_client

    sheet = gspread_client(emulator=run.emulator_url).open_by_key(run.seed.spreadsheet_id)
    path = run.folder / f"{PURCHASES_TAB}.csv"
    with write_atomically(path) as handle:
        SpreadsheetWriter(handle).writerows(sheet.worksheet(PURCHASES_TAB).get_all_values())
    console.rule("The shop's sales")
    return _command(console, run, ["import", "purchases", str(path)])


def _import_linkedin(console: Console, run: DemoRun) -> bool:
    """Import the export with the LinkedIn plugin's ``linkedin import``; whether it ran."""
    path = write_connections_csv(run.folder, run.seed.business.today)
    console.rule("LinkedIn export")
    return _command(console, run, ["linkedin", "import", str(path)])


def _command(console: Console, run: DemoRun, args: list[str]) -> bool:
    """Run a plugin's command as the owner would type it (its output goes to ``console``);
    whether it ran. A command no installed plugin provides is reported in one line."""
    from .cli import main

    group = main.get_command(click.Context(main), args[0])
    command = (
        group.get_command(click.Context(group), args[1]) if isinstance(group, click.Group) else None
    )
    if command is None:
        run.missing.append(" ".join(args[:2]))
        console.print(f"`relationkit {' '.join(args[:2])}`: plugin not installed, skipped.")
        return False
    console.print(f"$ relationkit {' '.join(args)}", style="bold", highlight=False, markup=False)
    try:
        with contextlib.redirect_stdout(console.file):
            main.main(args, "relationkit", standalone_mode=False)
    except (click.ClickException, RelationkitError) as exc:
        console.print(f"It failed: {exc}", highlight=False, markup=False)
        return False
    except SystemExit as exc:  # a command's own exit status: 3 means part of it was done
        if exc.code in (None, 0, 3):
            return True
        console.print(f"It stopped with exit status {exc.code}.", highlight=False, markup=False)
        return False
    return True


def _show_tools(console: Console, run: DemoRun, emulator: GoogleEmulator) -> None:
    """What each Google tool holds now, read back from the emulator."""
    console.rule("What is in each tool now")
    spreadsheet = emulator.sheets.spreadsheet(run.seed.spreadsheet_id)
    tabs = []
    for sheet in spreadsheet.sheets:
        rows = emulator.sheets.get_values(spreadsheet.id, sheet.title)
        tabs.append(f"{sheet.title} ({max(len(rows) - 1, 0)} rows)")
    console.print(f"Sheets: '{spreadsheet.title}': {', '.join(tabs)}", highlight=False)
    group = run.seed.customer_group.split("/")[-1]
    console.print(
        f"Contacts: {len(emulator.people.contacts())} contacts, "
        f"{len(emulator.people.group_members(group))} labelled 'Customers'",
        highlight=False,
    )
    for calendar in emulator.calendar.calendars.values():
        count = len(emulator.calendar.events(calendar.calendar_id))
        console.print(f"Calendar '{calendar.summary}': {count} event(s)", highlight=False)


def _show_store(console: Console, run: DemoRun, ws: Workspace) -> None:
    console.rule("relationkit's own records")
    customers = ws.count_contacts()
    first = run.reports[0].connectors if run.reports else {}
    read = [f"{first[n].pulled:,} {what}" for n, what in SOURCES.items() if n in first]
    merged = f" (one per person, from {' and '.join(read)})" if read else ""
    console.print(
        f"{customers:,} customers{merged} and {len(ws.purchases()):,} purchases.", highlight=False
    )
    pairs = ws.duplicates()
    console.print(f"{len(pairs)} likely duplicate pair(s) to review (`relationkit duplicates`):")
    for pair in pairs[:3]:
        names = " / ".join(ws.get_contact(i).name for i in (pair.a, pair.b))
        console.print(f"  • {names}: {', '.join(pair.reasons)}", highlight=False, markup=False)


def _show_digest(console: Console, ws: Workspace, digest: Digest) -> None:
    """The digest as ``relationkit digest`` prints it, after what every rule found this week."""
    console.rule("This week's digest")
    titles = {rule.name: rule.title for rule in plugins.rules()}
    due = ws.followups(status=FollowUpStatus.OPEN, due_by=digest.week_end)
    console.print(f"The rules suggest {len(due)} follow-up(s) for this week:")
    for rule, count in Counter(f.rule for f in due).most_common():
        console.print(f"  {count:4} × {titles.get(rule, rule)}", highlight=False, markup=False)
    console.print(digest_table(digest))
    for line in summary(digest):
        console.print(line, highlight=False, markup=False)


def _wait(console: Console, run: DemoRun) -> None:
    """Keep the emulator serving until Ctrl-C, with the lines to reach it."""
    console.rule("The emulator keeps running: press Ctrl-C to stop")
    console.print(
        "In another terminal, point relationkit at it:\n"
        f"  export RELATIONKIT_GOOGLE_EMULATOR={run.emulator_url}\n"
        f"  export RELATIONKIT_CONFIG={run.config_path}\n"
        f"  export RELATIONKIT_DB={run.db_url}\n"
        f"The customer sheet's id is {run.seed.spreadsheet_id}.\n"
        "  relationkit contacts list; relationkit digest --today "
        f"{run.seed.business.today.isoformat()}; relationkit sync\n"
        "Or talk to it with gspread or googleapiclient (see docs/demo.md).",
        highlight=False,
    )
    with contextlib.suppress(KeyboardInterrupt), _sigterm_as_interrupt():
        while True:
            time.sleep(3600)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Take SIGTERM (``kill``, a service manager stopping it) like Ctrl-C, so that the
    emulator stops and the temporary folder is removed either way."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: nothing to take over
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["DemoRun", "run_demo"]
