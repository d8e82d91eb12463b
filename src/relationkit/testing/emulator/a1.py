"""A1 notation as the Sheets API reads and writes it.

``'My Sheet'!A1:B2``, ``Sheet1``, ``A:A``, ``2:5``, ``A2:Z``, ``$A$1``. Parsing gives 0-based,
end-exclusive bounds where an open side is ``None``; the caller resolves the sheet and clamps the
open sides to its grid. Formatting quotes a sheet title only when Google would (``Sheet1!A1`` but
``'My Sheet'!A1``, ``'D3'!A1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COLUMNS = 18278  # ZZZ: the largest column A1 notation can name

_ENDPOINT = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$")
_R1C1_LIKE = re.compile(r"^[Rr]\d*[Cc]\d*$")


class A1Error(ValueError):
    """Text that is not A1 notation."""


def column_letters(index: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """``A`` -> 0, ``AA`` -> 26 (case-insensitive)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def quote_title(title: str) -> str:
    """A sheet title as it appears in a range: bare when unambiguous, else single-quoted."""
    if _PLAIN_TITLE.match(title) and not _looks_like_reference(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _looks_like_reference(title: str) -> bool:
    if _R1C1_LIKE.match(title) or title.upper() in ("TRUE", "FALSE"):
        return True
    return bool(_CELL_LIKE.match(title)) and column_index(re.sub(r"\d", "", title)) < MAX_COLUMNS


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """``'It''s'!A1`` -> (``It's``, ``A1``); ``Sheet1`` -> (None, ``Sheet1``) (the caller decides
    whether a bare word is a sheet title or a cell); ``'My Sheet'`` -> (``My Sheet``, None)."""
    text = text.strip()
    if text.startswith("'"):
        title, i = [], 1
        while i < len(text):
            char = text[i]
            if char == "'":
                if text[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(title), None
                if rest.startswith("!"):
                    return "".join(title), rest[1:]
                raise A1Error(text)
            title.append(char)
            i += 1
        raise A1Error(text)
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


@dataclass(frozen=True)
class CellRange:
    """Bounds of an A1 range, 0-based and end-exclusive; an open end is ``None``."""

    start_row: int
    end_row: int | None
    start_col: int
    end_col: int | None

    @property
    def is_single_cell(self) -> bool:
        return self.end_row == self.start_row + 1 and self.end_col == self.start_col + 1


def _endpoint(text: str) -> tuple[int | None, int | None]:
    found = _ENDPOINT.match(text)
    if not found or not (found.group(1) or found.group(2)):
        raise A1Error(text)
    letters, digits = found.groups()
    col = column_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    if (row is not None and row < 0) or (col is not None and col >= MAX_COLUMNS):
        raise A1Error(text)
    return row, col


def parse_cells(text: str) -> CellRange:
    """The part after ``!``: ``A1``, ``A1:B2``, ``A:C``, ``2:5``, ``A2:Z``, ``B2:A1``."""
    first, sep, second = text.strip().partition(":")
    if not sep:
        row, col = _endpoint(first)
        if row is None or col is None:
            raise A1Error(text)
        return CellRange(row, row + 1, col, col + 1)
    row1, col1 = _endpoint(first)
    row2, col2 = _endpoint(second)
    # A column-only side pairs with a column-only or full side, a row-only with a row-only or full.
    if (col1 is None and col2 is not None and row2 is None) or (
        row1 is None and row2 is not None and col2 is None
    ):
        raise A1Error(text)
    if row1 is not None and row2 is not None and row2 < row1:
        row1, row2 = row2, row1
    if col1 is not None and col2 is not None and col2 < col1:
        col1, col2 = col2, col1
    return _bounds(row1, col1, row2, col2)


def _bounds(row1: int | None, col1: int | None, row2: int | None, col2: int | None) -> CellRange:
    # Start sides default to the first row/column; an end side left out stays open.
    return CellRange(
        start_row=row1 if row1 is not None else 0,
        end_row=row2 + 1 if row2 is not None else None,
        start_col=col1 if col1 is not None else 0,
        end_col=col2 + 1 if col2 is not None else None,
    )


def format_cells(start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """0-based end-exclusive bounds -> ``A1`` or ``A1:B2``."""
    first = f"{column_letters(start_col)}{start_row + 1}"
    if end_row - start_row == 1 and end_col - start_col == 1:
        return first
    return f"{first}:{column_letters(end_col - 1)}{end_row}"


def format_range(title: str, start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """``Sheet1!A1:B2`` with the title quoted when needed."""
    return f"{quote_title(title)}!{format_cells(start_row, end_row, start_col, end_col)}"
