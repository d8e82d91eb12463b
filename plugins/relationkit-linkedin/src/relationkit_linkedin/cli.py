"""The ``relationkit linkedin ...`` commands and ``relationkit auth linkedin``."""

from __future__ import annotations

import webbrowser
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import importer, review, signin
from .rule import dismiss as dismiss_suggestion

if TYPE_CHECKING:
    from relationkit.workspace import Workspace


def _workspace() -> Workspace:
    return click.get_current_context().obj.workspace()


@click.group()
def linkedin() -> None:
    """LinkedIn: record who you are connected with, and whom to connect with next."""


@linkedin.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--exported-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When LinkedIn made the export (default: the file's date); newer values on file win.",
)
@click.option(
    "--show-skipped", is_flag=True, help="Also list the connections who are not customers."
)
def import_(file: Path, exported_on: datetime | None, show_skipped: bool) -> None:
    """Import FILE, LinkedIn's Connections.csv: match connections to customers.

    Matched customers get their profile URL, company, position and connection date. Nobody is
    added; uncertain matches wait in `relationkit linkedin review`. Importing a newer export
    again updates the same customers.
    """
    at = exported_on.replace(tzinfo=UTC) if exported_on else None
    result = importer.import_connections(_workspace(), file, exported_at=at)
    click.echo(
        f"{result.file}: matched {result.matched} customer(s) ({result.updated} updated), "
        f"queued {result.queued} for review, skipped {result.skipped}."
    )
    for why, count in sorted(result.skipped_reasons().items()):
        click.echo(f"  skipped {count}: {why}")
    if not result.has_email_column:
        click.echo("  This export has no Email Address column: matched by profile and name only.")
    shown = [
        r for r in result.rows if r.outcome == "queued" or (show_skipped and r.outcome == "skipped")
    ]
    for row in shown:
        click.echo(f"  line {row.line}: {row.name}: {row.outcome}: {row.why}")
    for problem in result.problems:
        click.echo(f"  problem: {problem}")
    if result.queued:
        click.echo("Review them with `relationkit linkedin review`.")


@linkedin.command("review")
def review_() -> None:
    """List connections that may be customers, waiting for your decision."""
    ws = _workspace()
    waiting = review.pending(ws)
    if not waiting:
        click.echo("Nothing to review.")
        return
    for entry in waiting:
        c = entry.connection
        work = ", ".join(p for p in (c.position, c.company) if p)
        click.echo(f"{c.slug}: {c.name}" + (f" ({work})" if work else "") + f" {c.url}")
        for candidate in entry.candidates:
            contact = ws.get_contact(candidate["id"])
            click.echo(
                f"    maybe {contact.name} ({contact.id}, {contact.company or 'no company'}): "
                + " and ".join(candidate["reasons"])
            )
    click.echo(
        "Then `relationkit linkedin link PROFILE CUSTOMER` "
        "or `relationkit linkedin not-a-match PROFILE`."
    )


@linkedin.command("link")
@click.argument("profile")
@click.argument("customer")
def link(profile: str, customer: str) -> None:
    """Say that waiting connection PROFILE (URL or name in it) is CUSTOMER (id, email, ...)."""
    contact = importer.link(_workspace(), profile, customer)
    click.echo(f"Recorded: {contact.name} ({contact.id}) is connected on LinkedIn.")


@linkedin.command("not-a-match")
@click.argument("profile")
def not_a_match(profile: str) -> None:
    """Say that waiting connection PROFILE is none of the customers suggested (remembered)."""
    entry = importer.not_a_match(_workspace(), profile)
    click.echo(f"Noted: {entry.connection.name} is not one of those customers.")


@linkedin.command("dismiss")
@click.argument("ref")
def dismiss(ref: str) -> None:
    """Stop suggesting a customer: REF is a suggestion's id or the customer (id, email, ...)."""
    contact, skipped = dismiss_suggestion(_workspace(), ref)
    click.echo(
        f"{contact.name} will not be suggested for LinkedIn again "
        f"({len(skipped)} open suggestion(s) skipped)."
    )


@click.command("linkedin")
@click.option(
    "--client-id",
    envvar="RELATIONKIT_LINKEDIN_CLIENT_ID",
    required=True,
    help="Your LinkedIn app's Client ID (or RELATIONKIT_LINKEDIN_CLIENT_ID).",
)
@click.option(
    "--client-secret",
    envvar="RELATIONKIT_LINKEDIN_CLIENT_SECRET",
    prompt=True,
    hide_input=True,
    help="Its Client Secret (or RELATIONKIT_LINKEDIN_CLIENT_SECRET).",
)
@click.option(
    "--redirect-uri",
    envvar="RELATIONKIT_LINKEDIN_REDIRECT_URI",
    default=signin.DEFAULT_REDIRECT_URI,
    show_default=True,
    help="The redirect URL registered in the app's Auth settings.",
)
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening it.")
def auth_linkedin(client_id: str, client_secret: str, redirect_uri: str, no_browser: bool) -> None:
    """Sign in to LinkedIn (OAuth 2.0) and show who signed in."""

    def show(url: str) -> None:
        click.echo(f"Sign in to LinkedIn at:\n  {url}")
        if not no_browser:
            webbrowser.open(url)

    profile = signin.sign_in(client_id, client_secret, redirect_uri=redirect_uri, open_browser=show)
    headline = f" ({profile.headline})" if profile.headline else ""
    click.echo(f"Signed in to LinkedIn as {profile.name}{headline}.")
    click.echo(f"The sign-in is kept in {signin.token_path()} (readable by you only).")


@linkedin.command("whoami")
def whoami() -> None:
    """Show who the saved LinkedIn sign-in belongs to."""
    profile = signin.signed_in_profile()
    click.echo(f"Signed in to LinkedIn as {profile.name}.")


linkedin.add_command(auth_linkedin, "auth")


@click.group("auth")
def auth() -> None:
    """Sign in to the services relationkit works with."""


auth.add_command(auth_linkedin)
