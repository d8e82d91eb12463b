"""Declared settings: what a config table may hold, and every value in it that does not fit.

A connector (``Connector.settings_schema``) and a follow-up rule (``settings_schema``, else
derived from its ``defaults``) declare their settings as ``name -> Setting``: the type, the
default, a line of documentation, and the allowed range or choices. :func:`check_table` lists
every value of a table that does not fit (a wrong type, out of range, an unknown key with the
closest known one), and :class:`BadSetting` says it with the file, the line and the table, as
``relationkit doctor`` prints it and as ``sync`` and ``digest`` refuse to run with it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Config

_EXPECTED = {
    bool: "true or false (without quotes)",
    int: "a whole number",
    float: "a number",
    str: "text in quotes",
    list: "a list, such as [1, 2]",
    dict: "a table, such as { name = 1 }",
}


@dataclass(frozen=True)
class Setting:
    """One setting of a config table.

    ``type`` is one of ``bool``, ``int`` (a whole number), ``float`` (any number), ``str``,
    ``list`` or ``dict`` (a TOML table); ``None`` takes any value. ``default`` is used when the
    table leaves it out (``None``: no default, the reader decides). ``minimum``/``maximum``
    bound a number, ``choices`` lists the allowed values, ``items`` is the setting each
    element of a list, or each value of a table, must fit, and ``keys`` (for a table) the keys
    it may have.
    """

    type: type | None
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    items: Setting | None = None
    keys: tuple[str, ...] = ()

    def expected(self) -> str:
        """What a value must be, in plain words (``a number from 0 to 1``)."""
        words = _EXPECTED.get(self.type, "any value") if self.type else "any value"
        if self.choices:
            return "one of " + ", ".join(_toml(c) for c in self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{words} from {_number(self.minimum)} to {_number(self.maximum)}"
        if self.minimum is not None:
            return f"{words}, {_number(self.minimum)} or more"
        if self.maximum is not None:
            return f"{words}, at most {_number(self.maximum)}"
        if self.keys:
            words = f"a table of {', '.join(self.keys)}"
        elif self.items is not None:
            words = "a list" if self.type is list else "a table"
        if self.items is not None:
            each = "item" if self.type is list else "value"
            return f"{words}, each {each} {self.items.expected()}"
        return words

    def fits(self, value: Any) -> bool:
        """Whether ``value`` (as TOML reads it) is allowed."""
        if not _of_type(value, self.type):
            return False
        if self.choices and value not in self.choices:
            return False
        if self.minimum is not None and value < self.minimum:
            return False
        if self.maximum is not None and value > self.maximum:
            return False
        if self.keys and not set(value) <= set(self.keys):
            return False
        if self.items is not None:
            elements = value.values() if isinstance(value, dict) else value
            return all(self.items.fits(element) for element in elements)
        return True


def _of_type(value: Any, kind: type | None) -> bool:
    if kind is None:
        return True
    if kind is float:  # any number, but not nan or inf
        return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def setting_from_default(default: Any) -> Setting:
    """The setting a default implies: its type (a whole-number default takes whole numbers
    only, a decimal one any number; a default of no TOML type, such as None, takes anything),
    numbers 0 or more, a table's or list's values like the default's own when they all share
    one type."""
    kind = type(default) if type(default) in _EXPECTED else None  # another type: anything
    if isinstance(default, int | float) and not isinstance(default, bool):
        return Setting(kind, default, minimum=0)
    if isinstance(default, dict | list) and default:
        elements = list(default.values() if isinstance(default, dict) else default)
        kinds = {type(e) for e in elements}
        if len(kinds) == 1 and kinds <= {bool, int, float, str}:
            return Setting(kind, default, items=setting_from_default(elements[0]))
    return Setting(kind, default)


def schema_from_defaults(defaults: Mapping[str, Any]) -> dict[str, Setting]:
    """A schema from plain defaults (``{"min_days": 60}``): see :func:`setting_from_default`."""
    return {name: setting_from_default(value) for name, value in defaults.items()}


def with_defaults(values: Mapping[str, Any], schema: Mapping[str, Setting]) -> dict[str, Any]:
    """The table's values over the schema's defaults (``None`` for a setting without one)."""
    return {**{k: s.default for k, s in schema.items()}, **values}


@dataclass(frozen=True)
class BadSetting:
    """One value of a config table that does not fit its setting (or an unknown key/table).

    ``key`` is empty when the whole table is the problem. ``str()`` gives the plain-words
    message: ``config.toml:7: [connectors.csv] enabled = "false": expected true or false``.
    """

    file: Path | None
    line: int | None
    table: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        if self.file and not self.line:
            where = f"{self.file}: "
        return f"{where}[{self.table}] {self.message}" if self.table else where + self.message


def check_table(
    values: Mapping[str, Any],
    schema: Mapping[str, Setting],
    *,
    unknown_keys: bool = True,
) -> list[tuple[str, str]]:
    """``(key, message)`` for every value of a table that does not fit ``schema``, in the
    table's order; with ``unknown_keys``, every key the schema does not know as well."""
    found = []
    for key, value in values.items():
        setting = schema.get(key)
        if setting is None:
            if unknown_keys:
                found.append((key, unknown(key, schema, "setting")))
        elif not setting.fits(value):
            found.append((key, f"{key} = {_toml(value)}: expected {setting.expected()}"))
    return found


def unknown(name: str, known: Iterable[str], what: str) -> str:
    """``unknown setting spredsheet_id (did you mean spreadsheet_id?)``."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(known) or 'none'}"
    return f"unknown {what} {name} ({hint})"


class BadSettings(ConfigError):
    """The config file has values that do not fit their settings: ``problems`` lists them."""

    def __init__(self, problems: list[BadSetting]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"the config file has {len(problems)} bad setting(s):\n{lines}\n"
            "Correct them (docs/configuration.md); `relationkit doctor` lists them all"
        )


def raise_if_bad(problems: list[BadSetting]) -> None:
    """Raise :class:`BadSettings` naming every bad value, when there is any."""
    if problems:
        raise BadSettings(problems)


def connector_problems(config: Config, names: Iterable[str] | None = None) -> list[BadSetting]:
    """Every bad value of the ``[connectors.<name>]`` tables of ``names`` (the tables a sync
    uses), or of every table in the file when None. A name no installed connector has is one
    too, with the closest installed name (in the whole file: only when not ``enabled = false``).
    """
    from .plugins import connector_classes
    from .sync.contract import connector_schema

    classes = connector_classes()
    problems = []
    for name in list(config.connectors) if names is None else names:
        connector = classes.get(name)
        if connector is None:
            if names is not None or config.connector(name).get("enabled") is not False:
                message = unknown(name, classes, "connector")
                message += "; install the plugin that provides it, or correct the table's name"
                problems.append(config.bad_setting(f"connectors.{name}", "", message))
            continue
        declared = connector.settings_schema is not None
        problems += config.check(
            f"connectors.{name}", connector_schema(connector), unknown_keys=declared
        )
    return problems


def playbook_problems(config: Config, *, unknown_tables: bool = True) -> list[BadSetting]:
    """Every bad value of the ``[playbook.<rule>]`` tables and ``[playbook.digest]``; with
    ``unknown_tables``, every table no installed rule reads as well (a typo, or the rule's
    plugin not loaded)."""
    from .followups.digest import DIGEST_SCHEMA
    from .followups.rule import rule_schema
    from .plugins import rules

    schemas = {rule.name: rule_schema(rule) for rule in rules()}
    schemas["digest"] = DIGEST_SCHEMA
    problems = []
    for name in config.playbook:
        schema = schemas.get(name)
        if schema is not None:
            problems += config.check(f"playbook.{name}", schema)
        elif unknown_tables:
            message = unknown(name, schemas, "rule") + "; correct the table's name or remove it"
            problems.append(config.bad_setting(f"playbook.{name}", "", message))
    return problems


def config_problems(config: Config) -> list[BadSetting]:
    """Every bad value of the connector and playbook tables (``relationkit doctor``)."""
    return connector_problems(config) + playbook_problems(config)


def find_line(text: str, table: str, key: str = "") -> int | None:
    """The line (from 1) where ``[table]`` sets ``key`` in TOML ``text`` (the table's header
    when ``key`` is empty or not found there); None when neither is found.

    Reads headers (``[a.b]``, quoted parts too), ``key = ...`` lines and dotted keys
    (``b.key = ...`` under ``[a]``); a key set inside an inline table gives that table's line.
    """
    target = _parts(table)
    current: list[str] = []
    header = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        found = _HEADER.match(stripped)
        if found:
            current = _parts(found.group(1))
            if current == target and header is None:
                header = number
            continue
        assigned = _ASSIGN.match(stripped)
        if not assigned:
            continue
        path = current + _parts(assigned.group(1))
        if key and path == [*target, key]:
            return number
        if path == target:  # `csv = { ... }` under [connectors]
            header = header or number
            rest = stripped[assigned.end() :]
            if not key or re.search(rf"(^|[{{,\s]){re.escape(key)}\s*=", rest):
                return number
    return header


_HEADER = re.compile(r"^\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""  # a bare or quoted key
_ASSIGN = re.compile(rf"^({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[^.]+)\s*(?:\.|$)""")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in _PART.findall(dotted.strip()) if p.strip()]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _toml(value: Any) -> str:
    """A value as it would be written in TOML, shortened to stay readable."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    elif isinstance(value, list):
        text = "[" + ", ".join(_toml(v) for v in value) + "]"
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
