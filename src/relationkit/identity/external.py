"""External ids: the numbers a business gives its customers (customer, member, loyalty card).

An external id has a kind (lower-case words: ``customer number``, ``loyalty card``) and a value
as written. Two values are the same id when their letters and digits are (case, spaces,
dashes and, for an all-digit number, leading zeros a spreadsheet may drop, aside): nothing
looser, so that neighbouring numbers (``10234`` and ``10235``) never meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InvalidValue
from ..models import ExternalId
from .normalise import fold

MAX_KIND = 40
MAX_VALUE = 200
_SEPARATORS = re.compile(r"[;\n]+")


def external_id_kind(text: str) -> str:
    """The stored form of a kind: folded words (``Member #`` -> ``member``)."""
    kind = " ".join(fold(text).split())
    if not kind:
        raise InvalidValue("external id kind", text, "has no letters or digits")
    if len(kind) > MAX_KIND:
        raise InvalidValue("external id kind", text, f"is longer than {MAX_KIND} characters")
    return kind


def external_ids(kind: str, text: str) -> list[ExternalId]:
    """The ids of one ``kind`` written in ``text`` (several separated by ``;`` or lines)."""
    found: list[ExternalId] = []
    for part in _SEPARATORS.split(text):
        value = " ".join(part.split())
        if not value:
            continue
        if len(value) > MAX_VALUE:
            raise InvalidValue(kind, value, f"is longer than {MAX_VALUE} characters")
        if not external_id_code(value):
            raise InvalidValue(kind, value, "has no letters or digits")
        item = ExternalId(external_id_kind(kind), value)
        if external_id_key(item) not in {external_id_key(f) for f in found}:
            found.append(item)
    return found


def external_id_code(value: str) -> str:
    """What values are compared by: letters and digits, folded; an all-digit number without
    leading zeros."""
    code = "".join(c for c in fold(value) if c.isalnum())
    return (code.lstrip("0") or "0") if code.isdigit() else code


def external_id_key(item: ExternalId) -> str:
    """``kind:code``: the identity key two records sharing this id have in common."""
    return f"{item.kind}:{external_id_code(item.value)}"


def united(current: Iterable[ExternalId], more: Iterable[ExternalId]) -> list[ExternalId]:
    """Both lists as one, in order, one entry per id (the first spelling kept)."""
    seen: dict[str, ExternalId] = {}
    for item in [*current, *more]:
        seen.setdefault(external_id_key(item), item)
    return list(seen.values())
