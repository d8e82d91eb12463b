"""Nicknames from the curated ``nicknames`` data set: Bob is Robert, Kathy is Kathleen."""

from __future__ import annotations

from functools import cache

from nicknames import NickNamer


@cache
def _namer() -> NickNamer:
    return NickNamer()


@cache
def forms(name: str) -> frozenset[str]:
    """The name, its nicknames and the names it is a nickname of (folded, lower case)."""
    namer = _namer()
    return frozenset({name} | namer.nicknames_of(name) | namer.canonicals_of(name))


def nickname_of(x: str, y: str) -> bool:
    """Whether first names ``x`` and ``y`` (folded) are a name and its shorter nickname (Bob,
    Robert).

    Stricter than sharing a form: Christopher and Christina are both "Chris", yet two people;
    and Nancy, listed as a pet form of Ann, is nowadays a name of its own.
    """
    short, full = sorted((x, y), key=len)
    if not short or len(short) >= len(full):
        return False
    return short in _namer().nicknames_of(full) or full in _namer().canonicals_of(short)
