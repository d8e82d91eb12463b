"""Helpers for the LinkedIn plugin's tests: exports written as LinkedIn writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    "missing. You will only see email addresses for connections who have allowed their "
    "connections to see or download their email address using this setting "
    'https://www.linkedin.com/psettings/privacy/email"\n'
    "\n"
)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]

WriteExport = Callable[..., Path]


def export_text(
    rows: Sequence[Sequence[str]], *, email_column: bool = True, notes: bool = True
) -> str:
    """A Connections.csv as LinkedIn writes it (rows in HEADER order, with the email cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = HEADER if email_column else [h for h in HEADER if h != "Email Address"]
    writer.writerow(header)
    for row in rows:
        writer.writerow(row if email_column else [*row[:3], *row[4:]])
    return (NOTES if notes else "") + out.getvalue()
