"""Cell values as the Sheets API gives them (unformatted) and as relationkit writes them (RAW).

Reads use ``valueRenderOption=UNFORMATTED_VALUE`` and ``dateTimeRenderOption=SERIAL_NUMBER``:
a cell is text, a number, a boolean (a checkbox) or missing. Dates are serial numbers (day 0 is
1899-12-30) whatever the sheet's locale, or text when typed into a plain-text column. Writes use
``valueInputOption=RAW``: text stays text (a name starting with ``=`` is never a formula).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from relationkit.models import PartialDate
from relationkit.parsing import parse_partial_date
from relationkit.store.codec import fingerprint

Cell = str | int | float | bool

_EPOCH = date(1899, 12, 30)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def text(value: Any) -> str:
    """A cell as trimmed text: ``5551234567.0`` -> ``"5551234567"``, ``True`` -> ``"TRUE"``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def one_line(value: Any) -> str:
    """Text with runs of spaces (and line breaks) collapsed: names, companies."""
    return " ".join(text(value).split())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def serial(day: date) -> int:
    """A date as a spreadsheet serial number."""
    return (day - _EPOCH).days


def read_partial_date(value: Any, region: str) -> str | None:
    """A date cell (serial number or text) as an ISO partial date; None when blank.

    Raises :class:`~relationkit.errors.InvalidValue` when it cannot be read.
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    return parse_partial_date(value, region=region).iso()


def write_partial_date(iso: str | None) -> Cell:
    """A full date as a serial number (shown as a date in a date column); a date without a year
    as text such as ``14 Mar`` (what an owner would type)."""
    if not iso:
        return ""
    partial = PartialDate.parse_iso(iso)
    full = partial.to_date()
    if full is not None:
        return serial(full)
    return f"{partial.day} {_MONTHS[partial.month - 1]}"


def read_bool(value: Any) -> bool | None:
    """A checkbox or a yes/no cell; None when blank."""
    from relationkit.parsing import parse_bool

    if is_blank(value):
        return None
    return parse_bool(value)


def normal(value: Any) -> Any:
    """A cell as compared and hashed: blank is ``""``, ``2.0`` is ``2``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def row_etag(cells: list[Any], skip: int | None = None) -> str:
    """A hash of a row's values (trailing blanks ignored; the ``skip`` column left out)."""
    values = [normal(v) for i, v in enumerate(cells) if i != skip]
    while values and values[-1] == "":
        values.pop()
    return fingerprint(values)
