"""relationkit: a customer-relationship practice for small businesses, kept in their own tools.

>>> import relationkit
>>> ws = relationkit.open("sqlite:///crm.db")   # or relationkit.open() for the default database

Plugins are not loaded on import; they load on first use (a sync, a hook, the CLI).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config
    from .workspace import Workspace

try:
    __version__ = version("relationkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


def open(url: str | None = None, *, config: Config | None = None) -> Workspace:
    """Open (creating or upgrading as needed) a relationkit database and return its Workspace.

    ``relationkit.open()`` opens the user's own set-up: the config file (with its connectors) and
    ``RELATIONKIT_DB``, the file's ``db_url`` or the default SQLite file in the user data
    directory. ``relationkit.open(url)`` opens that database alone, with default settings and no
    connector, so a scratch database can never sync the shop's real sheet, contacts or calendar;
    pass ``config=`` (``relationkit.config.load_config()`` for the user's file) to use one.
    """
    from .config import Config, load_config
    from .workspace import Workspace

    if config is None:
        config = load_config() if url is None else Config(db_url=url)
    return Workspace(url, config=config)


__all__ = ["__version__", "open"]
