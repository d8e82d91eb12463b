"""One cell of an emulated sheet: what was entered, how it reads back, how it is displayed.

A cell keeps Google's ``ExtendedValue`` as entered (``numberValue``, ``stringValue``,
``boolValue``, ``formulaValue``), its ``userEnteredFormat``, a note and a data-validation rule.
``USER_ENTERED`` input is parsed the way the Sheets UI parses typing in the ``en_US`` locale:
numbers, ``TRUE``/``FALSE``, percentages, ``$`` amounts, dates and times (stored as serial numbers
with a date number format) and ``=formulas``; ``RAW`` input is stored as given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .formulas import FormulaContext, evaluate

EPOCH = datetime(1899, 12, 30)
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")
ERROR_TEXT = {
    "NAME": "#NAME?",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "N_A": "#N/A",
    "NUM": "#NUM!",
    "NULL_VALUE": "#NULL!",
    "ERROR": "#ERROR!",
    "LOADING": "Loading...",
}


@dataclass
class Cell:
    """``value``: the entered ExtendedValue (``None``: blank); ``format``: userEnteredFormat."""

    value: dict[str, Any] | None = None
    format: dict[str, Any] | None = None
    note: str | None = None
    validation: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # hyperlink, textFormatRuns: kept verbatim

    def is_empty(self) -> bool:
        return not (self.value or self.format or self.note or self.validation or self.extra)

    def copy(self) -> Cell:
        from .fieldmask import _deep_copy

        return Cell(
            _deep_copy(self.value),
            _deep_copy(self.format),
            self.note,
            _deep_copy(self.validation),
            _deep_copy(self.extra),
        )


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?"
_PLAIN_NUMBER = re.compile(rf"^([+-]?)({_NUMBER})([eE][+-]?\d+)?$")
_PERCENT = re.compile(rf"^([+-]?)({_NUMBER})\s*%$")
_CURRENCY = re.compile(rf"^([+-]?)\$\s?({_NUMBER})$|^\$\s?(-)({_NUMBER})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASH_YMD = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?$")
MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip


def parse_input(raw: Any, option: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A value from a ValueRange -> (ExtendedValue or None for blank, numberFormat or None).

    ``option`` is ``RAW`` or ``USER_ENTERED``. ``None`` input means "leave the cell alone" and is
    handled by the caller."""
    if isinstance(raw, bool):
        return {"boolValue": raw}, None
    if isinstance(raw, int | float):
        return {"numberValue": raw}, None
    text = str(raw)
    if text == "":
        return None, None
    if option == "RAW":
        return {"stringValue": text}, None
    return _parse_typed(text)


def _parse_typed(text: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    number = _parse_number(stripped)
    if number is not None:
        return number
    when = _parse_datetime(stripped)
    if when is not None:
        serial, kind, pattern = when
        return {"numberValue": serial}, {"type": kind, "pattern": pattern}
    if text[0] in "+-" and len(text) > 1:
        # The Sheets UI reads "+…"/"-…" as the start of a formula: the formula-injection vector.
        return {"formulaValue": "=" + text}, None
    return {"stringValue": text}, None


def _number(sign: str, digits: str, exponent: str = "") -> float | int | None:
    if not re.search(r"\d", digits):
        return None
    value = float(digits.replace(",", "") + exponent)
    value = -value if sign == "-" else value
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _parse_number(text: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    found = _PLAIN_NUMBER.match(text)
    if found:
        sign, digits, exponent = found.group(1), found.group(2), found.group(3) or ""
        value = _number(sign, digits, exponent)
        if value is None:
            return None
        if exponent:
            return {"numberValue": value}, {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
        if "," in digits:
            pattern = "#,##0.00" if "." in digits else "#,##0"
            return {"numberValue": value}, {"type": "NUMBER", "pattern": pattern}
        return {"numberValue": value}, None
    found = _PERCENT.match(text)
    if found:
        value = _number(found.group(1), found.group(2))
        if value is None:
            return None
        pattern = "0.00%" if "." in found.group(2) else "0%"
        return {"numberValue": _tidy(value / 100)}, {"type": "PERCENT", "pattern": pattern}
    found = _CURRENCY.match(text)
    if found:
        sign = found.group(1) or found.group(3) or ""
        value = _number(sign, found.group(2) or found.group(4))
        if value is None:
            return None
        return {"numberValue": value}, {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    return None


def _tidy(value: float) -> float | int:
    value = round(value, 12)
    return int(value) if value.is_integer() else value


def _parse_datetime(text: str) -> tuple[float | int, str, str] | None:
    time_match = _TIME.match(text)
    if time_match:
        fraction = _time_fraction(time_match)
        if fraction is None:
            return None
        return _tidy(fraction), "TIME", _time_pattern(time_match)
    parsed = _parse_date_prefix(text)
    if parsed is None:
        return None
    day, pattern, rest = parsed
    serial = (datetime(day.year, day.month, day.day) - EPOCH).days
    rest = rest.strip()
    if not rest:
        return serial, "DATE", pattern
    time_match = _TIME.match(rest)
    if not time_match:
        return None
    fraction = _time_fraction(time_match)
    if fraction is None:
        return None
    return _tidy(serial + fraction), "DATE_TIME", f"{pattern} {_time_pattern(time_match, True)}"


def _parse_date_prefix(text: str) -> tuple[date, str, str] | None:
    attempts: list[tuple[re.Pattern[str], str]] = [
        (_ISO_DATE, "ymd"),
        (_SLASH_YMD, "ymd/"),
        (_US_DATE, "mdy"),
        (_DAY_MONTH_NAME, "dMy"),
        (_MONTH_NAME_DAY, "Mdy"),
    ]
    for regex, order in attempts:
        found = regex.match(text)
        if not found:
            continue
        try:
            if order.startswith("ymd"):
                y, m, d = (int(g) for g in found.groups())
                pattern = "yyyy-mm-dd" if order == "ymd" else "yyyy/mm/dd"
            elif order == "mdy":
                m, d, y = (int(g) for g in found.groups())
                y = y + (2000 if y < 30 else 1900) if len(found.group(3)) == 2 else y
                pattern = "M/d/yyyy"
            elif order == "dMy":
                d, m, y = int(found.group(1)), _month(found.group(2)), int(found.group(3))
                pattern = "d mmm yyyy"
            else:
                m, d, y = _month(found.group(1)), int(found.group(2)), int(found.group(3))
                pattern = "mmm d, yyyy"
            return date(y, m, d), pattern, text[found.end() :]
        except ValueError:
            return None
    return None


def _month(name: str) -> int:
    name = name.lower()
    for number, month in enumerate(MONTHS, 1):
        if month.startswith(name) and len(name) >= 3:
            return number
    raise ValueError(name)


def _time_fraction(found: re.Match[str]) -> float | None:
    hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    meridiem = (found.group(4) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return (hour * 3600 + minute * 60 + second) / 86400


def _time_pattern(found: re.Match[str], with_seconds: bool = False) -> str:
    seconds = ":ss" if (found.group(3) or with_seconds) else ""
    if found.group(4):
        return f"h:mm{seconds} am/pm"
    return f"H:mm{seconds}"


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def effective_value(cell: Cell | None, context: FormulaContext | None) -> dict[str, Any] | None:
    """What the cell evaluates to (a formula's result; other values as entered)."""
    if cell is None or cell.value is None:
        return None
    if "formulaValue" in cell.value:
        if context is None:
            return {"errorValue": {"type": "ERROR", "message": "Formula not evaluated."}}
        return evaluate(cell.value["formulaValue"], context)
    return cell.value


def number_format(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None or not cell.format:
        return None
    return cell.format.get("numberFormat")


def formatted_value(value: dict[str, Any] | None, fmt: dict[str, Any] | None) -> str | None:
    """The text the Sheets UI shows for an effective value under a numberFormat."""
    if value is None:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "errorValue" in value:
        return ERROR_TEXT.get(value["errorValue"].get("type", "ERROR"), "#ERROR!")
    number = value.get("numberValue", 0)
    kind = (fmt or {}).get("type")
    pattern = (fmt or {}).get("pattern")
    if kind in DATE_TYPES:
        return format_serial(number, pattern or _default_date_pattern(kind))
    if pattern and kind != "TEXT":
        return format_number(number, pattern)
    if kind == "PERCENT":
        return format_number(number, "0.00%")
    if kind == "CURRENCY":
        return format_number(number, '"$"#,##0.00')
    return general_number(number)


def _default_date_pattern(kind: str) -> str:
    return {"DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss"}[kind]


def render(
    cell: Cell | None,
    value_render: str,
    date_render: str,
    context: FormulaContext | None,
) -> Any:
    """A cell as ``values.get`` returns it (``None`` for a blank cell)."""
    if cell is None or cell.value is None:
        return None
    if value_render == "FORMULA" and "formulaValue" in cell.value:
        return cell.value["formulaValue"]
    value = effective_value(cell, context)
    fmt = number_format(cell)
    if value_render == "FORMATTED_VALUE":
        return formatted_value(value, fmt)
    assert value is not None
    if "numberValue" in value:
        if date_render == "FORMATTED_STRING" and (fmt or {}).get("type") in DATE_TYPES:
            return formatted_value(value, fmt)
        return json_number(value["numberValue"])
    if "errorValue" in value:
        return formatted_value(value, fmt)
    return value.get("stringValue", value.get("boolValue"))


def json_number(number: float | int) -> float | int:
    """Google writes integral doubles without a fraction (``42``, not ``42.0``)."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def general_number(number: float | int) -> str:
    if isinstance(number, bool):
        number = int(number)
    if float(number).is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.10g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{float(mantissa):.2f}E{exponent[0]}{int(exponent[1:]):02d}"
    return text


def serial_to_datetime(serial: float) -> datetime:
    return EPOCH + timedelta(seconds=round(serial * 86400))


def datetime_to_serial(when: datetime | date) -> float | int:
    if not isinstance(when, datetime):
        return (datetime(when.year, when.month, when.day) - EPOCH).days
    return _tidy((when.replace(tzinfo=None) - EPOCH).total_seconds() / 86400)


_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|am/pm|a/p|[yY]+|[mM]+|[dD]+|[hH]+|[sS]+|.', re.IGNORECASE)


def format_serial(serial: float, pattern: str) -> str:
    """Render a serial date/time with a Sheets date pattern (``yyyy-mm-dd``, ``M/d/yyyy H:mm``)."""
    when = serial_to_datetime(serial)
    tokens = _DATE_TOKEN.findall(pattern)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    kinds = [
        t[0].lower() if t[0].isalpha() and t.lower() not in ("am/pm", "a/p") else "" for t in tokens
    ]
    out = []
    for i, token in enumerate(tokens):
        kind = kinds[i]
        width = len(token)
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.lower() in ("am/pm", "a/p"):
            pm = when.hour >= 12
            out.append(("PM" if pm else "AM") if token.lower() == "am/pm" else ("P" if pm else "A"))
        elif kind == "y":
            out.append(f"{when.year:04d}" if width != 2 else f"{when.year % 100:02d}")
        elif kind == "m" and _is_minute(kinds, i):
            out.append(f"{when.minute:0{min(width, 2)}d}")
        elif kind == "m":
            month = when.month
            name = MONTHS[month - 1].capitalize()
            out.append({1: str(month), 2: f"{month:02d}", 3: name[:3], 5: name[0]}.get(width, name))
        elif kind == "d":
            name = when.strftime("%A")
            out.append({1: str(when.day), 2: f"{when.day:02d}", 3: name[:3]}.get(width, name))
        elif kind == "h":
            hour = when.hour % 12 or 12 if twelve_hour else when.hour
            out.append(f"{hour:0{min(width, 2)}d}")
        elif kind == "s":
            out.append(f"{when.second:0{min(width, 2)}d}")
        else:
            out.append(token)
    return "".join(out)


def _is_minute(kinds: list[str], i: int) -> bool:
    before = [k for k in kinds[:i] if k]
    after = [k for k in kinds[i + 1 :] if k]
    return bool((before and before[-1] == "h") or (after and after[0] == "s"))


def format_number(number: float, pattern: str) -> str:
    """Render a number with a Sheets number pattern (``#,##0.00``, ``0%``, ``"$"#,##0.00``)."""
    sections = _split_sections(pattern)
    section = sections[0]
    if number < 0 and len(sections) > 1:
        section, number = sections[1], -number
    prefix, core, suffix = _split_core(section)
    if "E" in core.upper():
        return general_number(number)
    if "%" in prefix + suffix:
        number *= 100
    integer_part, _, fraction_part = core.partition(".")
    max_decimals = sum(c in "0#?" for c in fraction_part)
    min_decimals = fraction_part.count("0")
    step = Decimal(1).scaleb(-max_decimals)
    text = f"{Decimal(repr(abs(number))).quantize(step, rounding=ROUND_HALF_UP):f}"
    whole, _, fraction = text.partition(".")
    while len(fraction) > min_decimals and fraction.endswith("0"):
        fraction = fraction[:-1]
    whole = whole.zfill(integer_part.count("0")) if integer_part.count("0") else whole.lstrip("0")
    if "," in integer_part and whole:
        whole = f"{int(whole):,}"
    body = whole + ("." + fraction if fraction or ("." in core and min_decimals) else "")
    negative = number < 0 and float(text) != 0
    return ("-" if negative else "") + _literal(prefix) + body + _literal(suffix)


def _split_sections(pattern: str) -> list[str]:
    sections, current, quoted = [], "", False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += char
    sections.append(current)
    return sections


def _split_core(section: str) -> tuple[str, str, str]:
    positions = []
    quoted = False
    for i, char in enumerate(section):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "0#?.,":
            positions.append(i)
    if not positions:
        return section, "", ""
    start, end = positions[0], positions[-1] + 1
    core = section[start:end]
    suffix = section[end:]
    if suffix[:1] in ("E", "e"):
        core, suffix = core + suffix, ""
    return section[:start], core, suffix


def _literal(text: str) -> str:
    return re.sub(r'"([^"]*)"|\\(.)|[_*].', lambda m: m.group(1) or m.group(2) or "", text)


def is_number_like(value: dict[str, Any] | None) -> bool:
    return value is not None and "numberValue" in value and not math.isnan(value["numberValue"])
