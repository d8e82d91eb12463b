"""Reading a remote record's contact fields into the form the engine compares (for connectors).

A connector hands :func:`clean_contact_fields` the values it read, keyed by ``Contact`` field
name and already shaped like the JSON form (lists as lists); it gets back the normalised values
and one :class:`~relationkit.errors.InvalidValue` per field that could not be read. A field with
a problem is left out entirely, so the engine treats it as unknown and never as cleared; the
one exception is NUL characters (U+0000, which no database stores): they are removed from the
value, which is kept, and a problem says so.
"""

from __future__ import annotations

from typing import Any

from .. import identity
from ..errors import InvalidValue
from ..models import CONTACT_FIELDS
from ..parsing import without_nul
from ..store.codec import field_from_jsonable, to_jsonable


def clean_contact_fields(
    raw: dict[str, Any], *, region: str = "US", where: str = ""
) -> tuple[dict[str, Any], list[InvalidValue]]:
    """Normalised JSON-form values and the problems found (each located at ``where``)."""
    clean: dict[str, Any] = {}
    problems: list[InvalidValue] = []
    nul_problems: list[InvalidValue] = []
    raw = without_nul(raw, nul_problems)
    problems += [p.at(where) if where else p for p in nul_problems]
    for name, value in raw.items():
        try:
            clean[name] = _clean(name, value, region)
        except InvalidValue as exc:
            problems.append(InvalidValue(name, value, exc.why, where or exc.where))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(InvalidValue(name, value, _reason(exc, value), where))
    return clean, problems


def _reason(exc: Exception, value: Any) -> str:
    """Why a value could not be read: the exception's text with the value itself left out (a
    problem's reason reaches the sync report and the logs)."""
    said = str(exc) or type(exc).__name__
    if str(value).strip():
        said = said.replace(repr(value), "this value").replace(str(value), "this value")
    return said


def _clean(name: str, value: Any, region: str) -> Any:
    if name not in CONTACT_FIELDS:
        raise InvalidValue(name, value, "not a contact field")
    if name == "emails":
        return [identity.normalise_email(v) for v in _texts(value)]
    if name == "phones":
        return [identity.normalise_phone(v, region) for v in _texts(value)]
    if name == "linkedin_url":
        return identity.normalise_linkedin_url(value) if str(value).strip() else ""
    return to_jsonable(field_from_jsonable(name, value))


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise TypeError("a list is needed")
    return [str(v) for v in value if str(v).strip()]
