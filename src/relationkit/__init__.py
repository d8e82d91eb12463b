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

    ``url`` is any SQLAlchemy URL; without it, ``RELATIONKIT_DB``, the config file's ``db_url``
    or the default SQLite file in the user data directory is used.
    """
    from .workspace import Workspace

    return Workspace(url, config=config)


__all__ = ["__version__", "open"]
