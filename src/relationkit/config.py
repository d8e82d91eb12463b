"""One typed configuration, read from a TOML file and the environment.

Where things live (platformdirs): the config file is ``<user config dir>/relationkit/config.toml``
unless ``RELATIONKIT_CONFIG`` names another; the default SQLite database is
``<user data dir>/relationkit/relationkit.db`` unless ``RELATIONKIT_DB`` (or ``db_url`` in the file)
gives any SQLAlchemy URL. Each plugin reads its own table (``[connectors.google_sheets]``); the
playbook rules read ``[playbook.<rule>]``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError
from .files import write_text_atomically
from .settings import BadSetting, Setting, check_table, find_line, raise_if_bad

APP = "relationkit"


def config_dir() -> Path:
    """The folder of the config file and the saved sign-ins: the folder of
    ``RELATIONKIT_CONFIG`` when that is set, else the user config directory."""
    named = os.environ.get("RELATIONKIT_CONFIG")
    return Path(named).expanduser().parent if named else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("RELATIONKIT_DATA_DIR") or platformdirs.user_data_dir(APP))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'relationkit.db'}"


@dataclass
class Config:
    """Every setting, with its default (documented in docs/configuration.md)."""

    db_url: str = field(default_factory=default_db_url)
    region: str = "US"  # default country for phone numbers written without +country code
    currency: str = "USD"
    # One unit of each other currency in the shop's currency ({"EUR" = 1.08}); set by the
    # owner, never looked up: without a rate, other currencies stay out of shop-currency totals.
    currency_rates: dict[str, float] = field(default_factory=dict)
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    playbook: dict[str, dict[str, Any]] = field(default_factory=dict)
    google: dict[str, Any] = field(default_factory=dict)  # client_secrets, service_account, subject
    path: Path | None = None  # the file this was read from, if any
    source: str = field(default="", repr=False)  # its text: the lines messages point at

    def check(
        self, table: str, schema: Mapping[str, Setting], *, unknown_keys: bool = True
    ) -> list[BadSetting]:
        """Every value of ``[table]`` (``"connectors.csv"``) that does not fit ``schema``."""
        section, _, name = table.partition(".")
        values = getattr(self, section)
        values = values.get(name, {}) if name else values
        found = check_table(values, schema, unknown_keys=unknown_keys)
        return [self.bad_setting(table, key, message) for key, message in found]

    def bad_setting(self, table: str, key: str, message: str) -> BadSetting:
        """A :class:`BadSetting` of this file, with the line where ``[table]`` sets ``key``."""
        line = find_line(self.source, table, key) if self.source else None
        return BadSetting(self.path, line, table, key, message)

    def rates(self) -> dict[str, Decimal]:
        """:attr:`currency_rates` as exact decimals keyed by upper-case code."""
        return {code.upper(): Decimal(str(rate)) for code, rate in self.currency_rates.items()}

    def connector(self, name: str) -> dict[str, Any]:
        """The settings table of one connector (empty when not configured)."""
        return self.connectors.get(name, {})

    def enabled_connectors(self) -> list[str]:
        """Connectors switched on in the config: every table without ``enabled = false`` (a
        value that is not a boolean counts as on, so that the sync checks it and refuses)."""
        return [
            name for name, table in self.connectors.items() if table.get("enabled") is not False
        ]


def config_path() -> Path:
    return Path(os.environ.get("RELATIONKIT_CONFIG") or config_dir() / "config.toml")


def load_config(path: Path | None = None) -> Config:
    """Read the config file (missing is fine: defaults) and apply environment overrides."""
    path = path or config_path()
    raw: dict[str, Any] = {}
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:  # a folder, no permission, not UTF-8
            raise ConfigError(f"{path}: cannot be read ({type(exc).__name__})") from None
    found = path.exists()
    raise_if_bad(_check_top_level(raw, Config(path=path if found else None, source=text)))
    config = Config(**raw, path=path if found else None, source=text)
    if os.environ.get("RELATIONKIT_DB"):
        config.db_url = os.environ["RELATIONKIT_DB"]
    if os.environ.get("RELATIONKIT_REGION"):
        config.region = os.environ["RELATIONKIT_REGION"]
    return config


TOP_LEVEL: dict[str, Setting] = {
    "db_url": Setting(str, doc="the database, any SQLAlchemy URL"),
    "region": Setting(str, "US", "default country for phone numbers without +country"),
    "currency": Setting(str, "USD", "the currency of amounts written without one"),
    "currency_rates": Setting(dict, doc="one unit of another currency in the shop's currency"),
    "connectors": Setting(dict, doc="one table per connector"),
    "playbook": Setting(dict, doc="one table per follow-up rule, and the digest's"),
    "google": Setting(dict),
}
GOOGLE: dict[str, Setting] = {
    "client_secrets": Setting(str, doc="the OAuth client file for `relationkit auth google`"),
    "service_account": Setting(str, doc="a service account key file"),
    "subject": Setting(str, doc="the user a service account acts as"),
}


def _check_top_level(raw: dict[str, Any], where: Config) -> list[BadSetting]:
    """The file's own settings and the shape of its tables: every one that does not fit."""
    problems = []
    for key, message in check_table(raw, TOP_LEVEL):
        problems.append(where.bad_setting("", key, message))
    for section in ("connectors", "playbook"):
        if isinstance(raw.get(section), dict):
            setattr(where, section, raw[section])
            problems += where.check(section, {name: Setting(dict) for name in raw[section]})
    rates = raw.get("currency_rates")
    for code, rate in rates.items() if isinstance(rates, dict) else ():
        if not (isinstance(code, str) and len(code) == 3 and code.isalpha()):
            problems.append(where.bad_setting("currency_rates", code, "not a currency code"))
        elif isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            why = "must be a positive number (one unit of it in the shop's currency)"
            problems.append(where.bad_setting("currency_rates", code, why))
    if isinstance(raw.get("google"), dict):
        where.google = raw["google"]
        problems += where.check("google", GOOGLE)
    return problems


def update_config(table: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Set ``values`` in the config file's ``[table]`` (e.g. ``"connectors.google_sheets"``).

    Creates the file (and the table) when missing and keeps the rest of the file, comments
    included, as the owner wrote it. Returns the file's path.
    """
    import tomlkit

    path = path or config_path()
    try:
        document = (
            tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        )
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    node: Any = document
    for part in table.split("."):
        if part not in node:
            node[part] = tomlkit.table(is_super_table=part != table.split(".")[-1])
        node = node[part]
    for key, value in values.items():
        node[key] = value
    write_text_atomically(path, tomlkit.dumps(document))
    return path
