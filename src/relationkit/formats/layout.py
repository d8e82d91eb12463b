"""What the formats share: recognising a file by its headers and naming what each column is."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InvalidValue
from ..importers import _fold_header as fold_header

IGNORE_PREFIX = "ignore:"  # a column target "ignore:<group>": left out, reported once per group
READ_PREFIX = "read:"  # a column the format reads itself: "read:name prefix (in the display name)"


@dataclass(frozen=True)
class Column:
    """Headers matching ``pattern`` (case-insensitive, whole header) hold ``target``: a field,
    ``custom:<name>``, ``read:<what becomes of it>`` (read by the format's own code) or
    ``ignore:<why>``."""

    pattern: str
    target: str

    def matches(self, header: str) -> bool:
        return re.fullmatch(self.pattern, header.strip(), re.IGNORECASE) is not None


@dataclass(frozen=True)
class FormatInfo:
    """A format's name (for ``--format``), title, the header sets that tell it (all of one set
    present, compared as :func:`fold_header` does) and its known columns."""

    name: str
    title: str
    signatures: tuple[tuple[str, ...], ...]
    columns: tuple[Column, ...] = ()
    where: str = ""  # where to click to export it (shown by --dry-run)

    def claims(self, headers: Iterable[str]) -> bool:
        folded = {fold_header(h) for h in headers}
        return any(all(fold_header(h) in folded for h in names) for names in self.signatures)

    def target(self, header: str) -> str | None:
        """The target of the first column pattern ``header`` matches, or None."""
        return next((c.target for c in self.columns if c.matches(header)), None)


@dataclass
class Understood:
    """What an import understood of a file, for ``--dry-run`` and the report: the format, each
    column's field, the columns left out grouped by why, and the first rows as read."""

    format: str = "generic"
    title: str = "a CSV file read by its headers"
    mapping: list[tuple[str, str]] = field(default_factory=list)
    ignored: dict[str, list[str]] = field(default_factory=dict)
    preview: list[dict[str, str]] = field(default_factory=list)

    def ignore(self, group: str, header: str) -> None:
        self.ignored.setdefault(group, []).append(header)


def choose(
    formats: Sequence[FormatInfo], headers: Sequence[str], forced: str | None
) -> FormatInfo | None:
    """The format named by ``forced`` (``generic``: None), else the first that claims the
    headers, else None (generic). An unknown name raises :class:`InvalidValue` listing them."""
    if forced:
        name = forced.strip().lower()
        if name == "generic":
            return None
        for fmt in formats:
            if fmt.name == name:
                return fmt
        names = ", ".join(["generic", *(f.name for f in formats)])
        raise InvalidValue("format", forced, f"is not a format; use one of {names}")
    return next((fmt for fmt in formats if fmt.claims(headers)), None)
