"""Two records of one person met for the first time (a new record matched a known customer by
email or phone): the values that can be joined are joined rather than one chosen, as an import
and ``Workspace.merge`` do: notes joined, lists (emails, phones, tags, interests) and custom
fields united."""

from __future__ import annotations

from typing import Any

_LISTS = frozenset({"emails", "phones", "tags", "interests"})


def joined_values(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``theirs`` (JSON form) whose value joins with ``ours`` into a new one that
    keeps both, with that value; fields where either side is empty or holds the other are left
    to the conflict rule."""
    joined: dict[str, Any] = {}
    for name, value in theirs.items():
        current = ours.get(name)
        if not value or not current or value == current:
            continue
        if name == "notes" and str(value).strip() not in str(current):
            joined[name] = f"{current}\n\n{value}"
        elif name in _LISTS and any(v not in current for v in value):
            joined[name] = [*current, *(v for v in value if v not in current)]
        elif name == "custom" and any(k not in current for k in value):
            joined[name] = {**value, **current}
    return joined
