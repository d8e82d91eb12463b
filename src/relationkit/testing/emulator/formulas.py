"""A deliberately small formula evaluator.

Enough for the emulator to give formulas a plausible effective value: numbers, strings, ``TRUE``/
``FALSE``, ``+ - * / ^ &``, comparisons, parentheses, cell references on the same or another sheet,
and ``SUM``/``CONCATENATE``/``IF``/``LEN``/``UPPER``/``LOWER``. Any other function evaluates to
``#NAME?`` (as ``=IMPORTXML(...)`` would in a sheet that cannot fetch); what tests care about is
that the formula text is stored and comes back with ``valueRenderOption=FORMULA``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .a1 import A1Error, column_index, split_sheet

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
    |(?P<string>"(?:[^"]|"")*")
    |(?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z_][\w.]*!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
    |(?P<name>[A-Za-z_][\w.]*)
    |(?P<op><>|<=|>=|[-+*/^&=<>(),;%])
    )""",
    re.VERBOSE,
)

Value = dict[str, Any]  # an ExtendedValue: numberValue / stringValue / boolValue / errorValue


@dataclass
class FormulaContext:
    """How a formula reads other cells: ``lookup(sheet_title_or_None, row, col)`` -> value."""

    lookup: Callable[[str | None, int, int, int], Value | None]
    depth: int = 0


class _Error(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def evaluate(formula: str, context: FormulaContext) -> Value:
    """``=1+2`` -> ``{"numberValue": 3}``; failures become ``{"errorValue": ...}``."""
    if context.depth > 50:
        return _error_value("REF", "Circular dependency detected.")
    try:
        parser = _Parser(formula.lstrip("="), context)
        result = parser.expression()
        if parser.peek() is not None:
            raise _Error("ERROR", f"Formula parse error at {parser.peek()!r}.")
    except _Error as exc:
        return _error_value(exc.kind, exc.message)
    if isinstance(result, list):
        result = result[0] if result else None
    return _to_value(result)


def _error_value(kind: str, message: str) -> Value:
    return {"errorValue": {"type": kind, "message": message}}


def _to_value(result: Any) -> Value:
    if result is None:
        return {"numberValue": 0}
    if isinstance(result, bool):
        return {"boolValue": result}
    if isinstance(result, int | float):
        return {"numberValue": int(result) if float(result).is_integer() else result}
    return {"stringValue": str(result)}


class _Parser:
    def __init__(self, text: str, context: FormulaContext) -> None:
        self.context = context
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            found = _TOKEN.match(text, pos)
            if not found or found.end() == pos:
                raise _Error("ERROR", "Formula parse error.")
            kind = found.lastgroup
            assert kind is not None
            self.tokens.append((kind, found.group(kind)))
            pos = found.end()
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _Error("ERROR", "Formula parse error: unexpected end.")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, op: str) -> None:
        if self.take()[1] != op:
            raise _Error("ERROR", f"Formula parse error: expected {op!r}.")

    def expression(self) -> Any:
        left = self.concat()
        while self.peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            right = self.concat()
            left = _compare(op, _scalar(left), _scalar(right))
        return left

    def concat(self) -> Any:
        left = self.additive()
        while self.peek() == "&":
            self.take()
            left = _text(_scalar(left)) + _text(_scalar(self.additive()))
        return left

    def additive(self) -> Any:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            a, b = _num(_scalar(left)), _num(_scalar(self.term()))
            left = a + b if op == "+" else a - b
        return left

    def term(self) -> Any:
        left = self.power()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            a, b = _num(_scalar(left)), _num(_scalar(self.power()))
            if op == "/" and b == 0:
                raise _Error("DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
            left = a * b if op == "*" else a / b
        return left

    def power(self) -> Any:
        left = self.unary()
        while self.peek() == "^":
            self.take()
            left = _num(_scalar(left)) ** _num(_scalar(self.unary()))
        return left

    def unary(self) -> Any:
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            value = _num(_scalar(self.unary()))
            return -value if op == "-" else value
        value = self.primary()
        if self.peek() == "%":
            self.take()
            value = _num(_scalar(value)) / 100
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.reference(text)
        if kind == "name":
            if self.peek() == "(":
                self.take()
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.upper() == "TRUE"
            raise _Error("NAME", f"Unknown range name: '{text}'.")
        if text == "(":
            value = self.expression()
            self.expect(")")
            return value
        raise _Error("ERROR", "Formula parse error.")

    def reference(self, text: str) -> Any:
        try:
            sheet, cells = split_sheet(text)
        except A1Error as exc:
            raise _Error("REF", f"Bad reference {text}.") from exc
        assert cells is not None
        first, _, last = cells.replace("$", "").partition(":")
        r1, c1 = _cell(first)
        r2, c2 = _cell(last) if last else (r1, c1)
        values = []
        for row in range(min(r1, r2), max(r1, r2) + 1):
            for col in range(min(c1, c2), max(c1, c2) + 1):
                values.append(self.context.lookup(sheet, row, col, self.context.depth + 1))
        return [_from_value(v) for v in values] if last else _from_value(values[0])

    def call(self, name: str) -> Any:
        args: list[Any] = []
        if self.peek() != ")":
            args.append(self.expression())
            while self.peek() in (",", ";"):
                self.take()
                args.append(self.expression())
        self.expect(")")
        if name == "SUM":
            return sum(_num(v) for v in _flatten(args) if isinstance(v, int | float))
        if name == "CONCATENATE":
            return "".join(_text(v) for v in _flatten(args))
        if name == "IF" and len(args) in (2, 3):
            chosen = (
                args[1] if _truthy(_scalar(args[0])) else (args[2] if len(args) == 3 else False)
            )
            return chosen
        if name in ("LEN", "UPPER", "LOWER") and len(args) == 1:
            text = _text(_scalar(args[0]))
            return {"LEN": len(text), "UPPER": text.upper(), "LOWER": text.lower()}[name]
        raise _Error("NAME", f"Unknown function: '{name.lower()}'.")


def _cell(text: str) -> tuple[int, int]:
    found = re.match(r"^([A-Za-z]{1,3})(\d+)$", text)
    if not found:
        raise _Error("REF", f"Bad reference {text}.")
    return int(found.group(2)) - 1, column_index(found.group(1))


def _from_value(value: Value | None) -> Any:
    if value is None:
        return None
    if "errorValue" in value:
        raise _Error(
            value["errorValue"].get("type", "ERROR"), value["errorValue"].get("message", "")
        )
    for key in ("numberValue", "stringValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _flatten(args: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for arg in args:
        flat.extend(arg if isinstance(arg, list) else [arg])
    return flat


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError as exc:
        raise _Error(
            "VALUE", f"Function ADD parameter expects number values. But '{value}' is a text."
        ) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise _Error(
            "VALUE", f"Function IF parameter 1 expects boolean values. But '{value}' is a text."
        )
    return bool(value)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    elif isinstance(a, str) != isinstance(b, str):
        a, b = _text(a), _text(b)
    a = 0 if a is None else a
    b = 0 if b is None else b
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[op]
