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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError
from .files import write_text_atomically

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
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    playbook: dict[str, dict[str, Any]] = field(default_factory=dict)
    google: dict[str, Any] = field(default_factory=dict)  # client_secrets, service_account, subject
    path: Path | None = None  # the file this was read from, if any

    def connector(self, name: str) -> dict[str, Any]:
        """The settings table of one connector (empty when not configured)."""
        return self.connectors.get(name, {})

    def enabled_connectors(self) -> list[str]:
        """Connectors switched on in the config (``enabled = true`` in their table)."""
        return [name for name, table in self.connectors.items() if table.get("enabled", True)]


def config_path() -> Path:
    return Path(os.environ.get("RELATIONKIT_CONFIG") or config_dir() / "config.toml")


def load_config(path: Path | None = None) -> Config:
    """Read the config file (missing is fine: defaults) and apply environment overrides."""
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    known = {"db_url", "region", "currency", "connectors", "playbook", "google"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; see docs/configuration.md"
        )
    config = Config(
        **{k: v for k, v in raw.items() if k in known}, path=path if path.exists() else None
    )
    if os.environ.get("RELATIONKIT_DB"):
        config.db_url = os.environ["RELATIONKIT_DB"]
    if os.environ.get("RELATIONKIT_REGION"):
        config.region = os.environ["RELATIONKIT_REGION"]
    return config


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
