"""The Drive v3 search language of ``files.list(q=...)``, as far as spreadsheet clients use it.

``name = 'Customers' and mimeType = 'application/vnd.google-apps.spreadsheet' and trashed = false``,
``'FOLDER' in parents``, gspread's ``parents in "FOLDER"``, ``name contains 'CRM'``, ``not``,
``or`` and parentheses; strings in single or double quotes with backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._base import ApiError

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>!=|<=|>=|=|<|>|\(|\))
    |(?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
FIELDS = {
    "name",
    "mimeType",
    "trashed",
    "starred",
    "parents",
    "createdTime",
    "modifiedTime",
    "fullText",
}

Predicate = Callable[[dict[str, Any]], bool]


def invalid_query(detail: str) -> ApiError:
    """Drive answers a bad ``q`` with 400 ``Invalid Value``; the detail says what was wrong."""
    return ApiError(
        400,
        "Invalid Value",
        "INVALID_ARGUMENT",
        "invalid",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "q", "description": detail}],
            }
        ],
    )


def compile_query(text: str) -> Predicate:
    """Parse ``q``; a 400 ``Invalid Value`` (Drive's answer) when it does not parse."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise invalid_query(f"cannot read q at {text[pos:]!r}")
        kind = found.lastgroup
        assert kind is not None
        tokens.append((kind, found.group(kind)))
        pos = found.end()
    parser = _Parser(tokens)
    predicate = parser.disjunction()
    if parser.pos != len(tokens):
        raise invalid_query(f"unexpected {tokens[parser.pos][1]!r} in q")
    return predicate


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise invalid_query("q ends too early")
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda f: any(p(f) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda f: all(p(f) for p in parts)

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda f: not inner(f)
        token = self.peek()
        if token == ("op", "("):
            self.take()
            inner = self.disjunction()
            if self.take() != ("op", ")"):
                raise invalid_query("unbalanced parentheses in q")
            return inner
        return self.term()

    def term(self) -> Predicate:
        kind, text = self.take()
        if kind == "string":
            value = _unquote(text)
            if not self.keyword("in"):
                raise invalid_query(f"expected 'in' after {text}")
            collection = self.take()[1]
            if collection != "parents":
                raise invalid_query(f"unsupported collection {collection!r}")
            return lambda f: _in_parents(f, value)
        if kind != "word" or text not in FIELDS:
            raise invalid_query(f"unknown field {text!r}")
        field = text
        op_kind, op = self.take()
        if op_kind == "word" and op.lower() in ("contains", "in"):
            op = op.lower()
        elif op_kind != "op":
            raise invalid_query(f"unknown operator {op!r}")
        value_kind, raw = self.take()
        if value_kind == "string":
            value: Any = _unquote(raw)
        elif value_kind == "word" and raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            raise invalid_query(f"bad value {raw!r}")
        if field == "parents" and op == "in":
            return lambda f: _in_parents(f, value)
        return _comparison(field, op, value)


def _in_parents(file: dict[str, Any], folder: str) -> bool:
    parents = file.get("parents") or []
    return folder in parents or (folder == "root" and file.get("_in_root", False))


def _comparison(field: str, op: str, value: Any) -> Predicate:
    if field in ("trashed", "starred"):
        if not isinstance(value, bool) or op not in ("=", "!="):
            raise invalid_query(f"{field} takes = or != true/false")
        return lambda f: (bool(f.get(field)) == value) == (op == "=")
    if isinstance(value, bool):
        raise invalid_query(f"{field} takes a quoted string")
    if op == "contains":
        needle = value.casefold()
        if field == "fullText":
            return lambda f: (
                needle in (f.get("name", "") + " " + f.get("description", "")).casefold()
            )
        return lambda f: needle in str(f.get(field, "")).casefold()
    if field == "fullText":
        raise invalid_query("fullText only supports contains")
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    if op not in compare or (field in ("name", "mimeType") and op not in ("=", "!=")):
        raise invalid_query(f"operator {op!r} is not valid for {field}")
    if field in ("createdTime", "modifiedTime"):
        wanted = _normalise_time(value)
        return lambda f: compare[op](f.get(field, ""), wanted)
    return lambda f: compare[op](f.get(field), value)


def _normalise_time(value: str) -> str:
    # RFC 3339 as Drive returns it: 2024-03-05T12:00:00.000Z; a date-only value means midnight.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value + "T00:00:00.000Z"
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:00)?", value)
    if not found:
        raise invalid_query(f"bad time {value!r}")
    millis = (found.group(2) or ".000").ljust(4, "0")[:4]
    return f"{found.group(1)}{millis}Z"
