"""The digest as text (a rich table), Markdown, JSON, self-contained HTML and iCalendar."""

from __future__ import annotations

import html
import io
import json
from datetime import timedelta
from typing import Any

import icalendar
from rich.console import Console
from rich.table import Table

from ..models import Channel, FollowUp
from .digest import Digest
from .wording import day, plural

CHANNEL_WORDS = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Call",
    Channel.SMS: "Text",
    Channel.POST: "Post",
    Channel.IN_PERSON: "In person",
    Channel.LINKEDIN: "LinkedIn",
}
FORMATS = ("text", "markdown", "json", "html")


def render(digest: Digest, fmt: str) -> str:
    """The digest in one of :data:`FORMATS`."""
    renderers = {
        "text": render_text,
        "markdown": render_markdown,
        "json": render_json,
        "html": render_html,
    }
    return renderers[fmt](digest)


def heading(digest: Digest) -> str:
    return f"Your week with your customers: {day(digest.today)} to {day(digest.week_end)}"


def summary(digest: Digest) -> list[str]:
    """The lines under the table: time used, what is left for later, what could not be done."""
    count = plural(len(digest.items), "follow-up")
    lines = [f"{count}, about {digest.minutes} of {digest.budget_minutes} minutes."]
    if digest.later:
        lines.append(
            f"{plural(digest.later, 'more follow-up')} ({digest.later_minutes} min) kept for later."
        )
    if digest.stale:
        lines.append(f"{plural(digest.stale, 'older follow-up')} left out (overdue too long).")
    if digest.no_channel:
        lines.append(f"Could not suggest: no allowed channel: {digest.no_channel}.")
    failed = digest.generated.failed if digest.generated else {}
    lines += [f"Rule {name} failed: {why}" for name, why in failed.items()]
    return lines


def _channel(followup: FollowUp) -> str:
    return CHANNEL_WORDS[followup.channel] if followup.channel else ""


def _why(followup: FollowUp) -> str:
    """The reason, and the follow-up's note when it has one (a LinkedIn invitation to adapt)."""
    return f"{followup.reason}\nNote: {followup.note}" if followup.note else followup.reason


def digest_table(digest: Digest) -> Table:
    """The digest as a rich table (what ``relationkit digest`` prints on a terminal)."""
    table = Table(title=heading(digest), show_lines=True, title_justify="left")
    for column in ("#", "Who", "What", "Why", "How", "Due", "Min"):
        table.add_column(column, overflow="fold")
    for number, item in enumerate(digest.items, start=1):
        f = item.followup
        table.add_row(
            str(number),
            item.contact.name,
            f.title,
            _why(f),
            _channel(f),
            day(f.due),
            str(f.minutes),
        )
    return table


def render_text(digest: Digest, width: int = 110) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(digest_table(digest))
    for line in summary(digest):
        console.print(line, highlight=False, markup=False)
    return buffer.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(digest: Digest) -> str:
    lines = [
        f"# {heading(digest)}",
        "",
        "| # | Who | What | Why | How | Due | Min |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, item in enumerate(digest.items, start=1):
        f = item.followup
        cells = [
            str(number),
            item.contact.name,
            f.title,
            _why(f),
            _channel(f),
            day(f.due),
            str(f.minutes),
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join([*lines, "", *summary(digest)]) + "\n"


def digest_dict(digest: Digest) -> dict[str, Any]:
    """The digest as JSON-able data (``--format json``)."""
    generated = digest.generated
    return {
        "today": digest.today.isoformat(),
        "week_end": digest.week_end.isoformat(),
        "budget_minutes": digest.budget_minutes,
        "minutes": digest.minutes,
        "later": digest.later,
        "later_minutes": digest.later_minutes,
        "stale": digest.stale,
        "no_channel": digest.no_channel,
        "created": len(generated.created) if generated else 0,
        "failed": dict(generated.failed) if generated else {},
        "items": [
            {
                "id": item.followup.id,
                "contact_id": item.contact.id,
                "name": item.contact.name,
                "rule": item.followup.rule,
                "title": item.followup.title,
                "reason": item.followup.reason,
                "note": item.followup.note,
                "channel": item.followup.channel.value if item.followup.channel else None,
                "due": item.followup.due.isoformat(),
                "minutes": item.followup.minutes,
                "value": round(item.followup.value, 2),
                "marketing": item.followup.marketing,
                "status": item.followup.status.value,
            }
            for item in digest.items
        ],
    }


def render_json(digest: Digest) -> str:
    return json.dumps(digest_dict(digest), indent=2, ensure_ascii=False) + "\n"


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.4em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5em; border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
td.why { color: #555; }
p.summary { color: #555; margin: .3em 0; }
"""


def render_html(digest: Digest) -> str:
    """A self-contained page (inline style, no scripts or links): fit to e-mail to the owner."""
    e = html.escape
    rows = []
    for number, item in enumerate(digest.items, start=1):
        f = item.followup
        why = e(_why(f)).replace("\n", "<br>")
        rows.append(
            f"<tr><td>{number}</td><td>{e(item.contact.name)}</td><td>{e(f.title)}</td>"
            f'<td class="why">{why}</td><td>{e(_channel(f))}</td><td>{e(day(f.due))}</td>'
            f"<td>{f.minutes}</td></tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">Nothing to do this week.</td></tr>'
    notes = "\n".join(f'<p class="summary">{e(line)}</p>' for line in summary(digest))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(heading(digest))}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(heading(digest))}</h1>
<table>
<thead><tr><th>#</th><th>Who</th><th>What</th><th>Why</th><th>How</th><th>Due</th><th>Min</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
{notes}
</body>
</html>
"""


def render_ics(digest: Digest) -> bytes:
    """An iCalendar file with one all-day VEVENT per follow-up; the UID is the follow-up's id, so
    importing it again updates the events instead of doubling them."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//relationkit//weekly digest//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "relationkit follow-ups")
    for item in digest.items:
        f = item.followup
        on = max(f.snoozed_until or f.due, digest.today)
        event = icalendar.Event()
        event.add("uid", f"{f.id}@relationkit")
        event.add("dtstamp", f.updated_at)
        event.add("dtstart", on)
        event.add("dtend", on + timedelta(days=1))
        event.add("summary", f.title)
        event.add("description", f"{_why(f)}\n{_channel(f)}, about {f.minutes} min.")
        event.add("categories", [f.rule])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
