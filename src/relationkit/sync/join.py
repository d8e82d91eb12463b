"""Two records of one person met for the first time (a new record matched a known customer by
email or phone): the values that can be joined are joined rather than one chosen, as an import
and ``Workspace.merge`` do: notes joined, lists (emails, phones, tags, interests) and custom
fields united."""

from __future__ import annotations

from typing import Any

_LISTS = frozenset({"emails", "phones", "tags", "interests"})


def joined_values(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """The joinable fields (notes, lists, custom) where both sides have a different value, with
    the value that keeps both (ours when it already holds theirs). The other fields are left to
    the conflict rule."""
    joined: dict[str, Any] = {}
    for name, value in theirs.items():
        current = ours.get(name)
        if not value or not current or value == current:
            continue
        if name == "notes":
            added = str(value).strip()
            joined[name] = current if added in str(current) else f"{current}\n\n{value}"
        elif name in _LISTS:
            joined[name] = [*current, *(v for v in value if v not in current)]
        elif name == "custom":
            joined[name] = {**value, **current}
    return joined
