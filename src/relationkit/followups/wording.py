"""Small helpers for plain-words reasons: dates, counts and periods as people say them."""

from __future__ import annotations

from datetime import date


def day(value: date) -> str:
    """``Tue 5 May`` (the year only when it is not needed to tell which day)."""
    return f"{value:%a} {value.day} {value:%b}"


def plural(count: int | float, word: str, words: str | None = None) -> str:
    """``1 day``, ``3 days``, ``2 children`` (with ``words`` given)."""
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{shown} {word if count == 1 else words or word + 's'}"


def week_key(value: date) -> str:
    """The ISO week ``value`` falls in, as ``2026-W19`` (a key per week)."""
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"
