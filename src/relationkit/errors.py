"""One exception hierarchy: every message says what went wrong, where, and how to fix it."""

from __future__ import annotations


class RelationkitError(Exception):
    """Base of every error relationkit raises on purpose."""


class InvalidValue(RelationkitError, ValueError):
    """A value that cannot be read: a malformed email, phone, date or amount.

    ``field`` names what was being read and ``value`` what was found; ``where`` (a file and row,
    a sheet cell) is added by whoever knows it.
    """

    def __init__(self, field: str, value: object, why: str, where: str = "") -> None:
        self.field = field
        self.value = value
        self.why = why
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{place}{self.field} {self.value!r}: {self.why}"

    def at(self, where: str) -> InvalidValue:
        """The same problem, located (``crm.csv row 12, column Email``)."""
        return InvalidValue(self.field, self.value, self.why, where)


class NotFound(RelationkitError, LookupError):
    """No contact, purchase, follow-up or connector with that id or name."""


class ConfigError(RelationkitError):
    """The configuration file or an environment variable is wrong."""


class PluginError(RelationkitError):
    """A plugin failed to load or registered something invalid."""


class SyncError(RelationkitError):
    """A sync with one connector could not complete; nothing half-applied is kept."""


class SafetyGuardTripped(SyncError):
    """A side came back suspiciously empty; the sync stopped instead of removing everybody."""


class AuthError(RelationkitError):
    """Credentials are missing, expired or revoked; the message names the command that fixes it."""


class ConcurrentChange(RelationkitError):
    """Another process changed the same records at the same moment, again and again."""
