"""The follow-up playbook: rules that suggest who to contact and why, and the weekly digest.

>>> from relationkit.followups import generate, weekly_digest, render
>>> result = generate(ws)                  # run every enabled rule, store new follow-ups
>>> digest = weekly_digest(ws)             # this week's follow-ups within 15 minutes
>>> print(render(digest, "markdown"))      # or "text", "json", "html"; render_ics(digest)

See docs/playbook.md for the rules and their settings.
"""

from __future__ import annotations

from .context import CustomerStats, PlaybookContext
from .digest import Digest, DigestItem, weekly_digest
from .engine import GenerateResult, generate
from .render import render, render_ics
from .rule import Rule

__all__ = [
    "CustomerStats",
    "Digest",
    "DigestItem",
    "GenerateResult",
    "PlaybookContext",
    "Rule",
    "generate",
    "render",
    "render_ics",
    "weekly_digest",
]
