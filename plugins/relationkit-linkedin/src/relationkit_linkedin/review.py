"""Uncertain matches waiting for the owner (``relationkit linkedin review``, ``link``, ...).

The core's review queue holds pairs of *contacts*; a connection is not a contact (connections
who are not customers are never added), so the uncertain ones are kept here, one entry per
profile, in the store's per-plugin state table. An entry remembers the candidates and the
customers the owner said it is *not*, so importing a newer export does not ask again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from relationkit.errors import NotFound
from relationkit.identity import normalise_linkedin_url
from relationkit.workspace import Workspace

from .export import Connection

STATE = "linkedin-review"  # where Workspace.plugin_state keeps the pending connections


@dataclass
class Pending:
    """A connection that may be one of ``candidates`` (contact ids with score and reasons)."""

    connection: Connection
    candidates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        on = self.connection.connected_on
        data["connection"]["connected_on"] = on.isoformat() if on else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data = json.loads(text)
        raw = data["connection"]
        on = raw.get("connected_on")
        raw["connected_on"] = date.fromisoformat(on) if on else None
        return cls(Connection(**raw), data["candidates"], data["rejected"])


def load(ws: Workspace) -> dict[str, Pending]:
    """Every entry by profile slug (decided ones, with no candidates left, included)."""
    return {slug: Pending.from_json(v) for slug, v in ws.plugin_state(STATE).items()}


def save(ws: Workspace, entries: dict[str, Pending]) -> None:
    ws.save_plugin_state(STATE, {slug: p.to_json() for slug, p in entries.items()})


def pending(ws: Workspace) -> list[Pending]:
    """The connections still waiting for a decision, in file order."""
    waiting = [p for p in load(ws).values() if p.candidates]
    return sorted(waiting, key=lambda p: p.connection.line)


def slug_of(ref: str) -> str:
    """The profile slug of a URL or of a slug typed as is (``ann-lee``)."""
    text = ref.strip()
    if "/" in text:
        return normalise_linkedin_url(text).rsplit("/", 1)[-1]
    return text.lower()


def take(ws: Workspace, ref: str) -> tuple[dict[str, Pending], Pending]:
    """All entries and the waiting one for ``ref`` (URL or slug); NotFound names the command."""
    entries = load(ws)
    entry = entries.get(slug_of(ref))
    if entry is None or not entry.candidates:
        raise NotFound(
            f"no LinkedIn connection {ref!r} is waiting for review; "
            "`relationkit linkedin review` lists those that are"
        )
    return entries, entry
