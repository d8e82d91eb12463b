"""One exception hierarchy: every message says what went wrong, where, and how to fix it.

A message (``str(error)``) may reach a log file or a traceback, so it names things by id,
connector, external id and field, never by a customer's name, email, phone or notes; the value
behind a problem is kept as an attribute, and :meth:`RelationkitError.shown` is the message for
the owner's own terminal, which may name it. :func:`describe` words any exception for logs.
"""

from __future__ import annotations


class RelationkitError(Exception):
    """Base of every error relationkit raises on purpose."""

    def shown(self) -> str:
        """The message for the owner at the terminal (it may name a customer's value)."""
        return str(self)


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
        return f"{place}{self.field}: {self.why}"

    def shown(self) -> str:
        """The message with the value found: ``email 'ann@@example.com': ...``."""
        place = f"{self.where}: " if self.where else ""
        return f"{place}{self.field} {self.value!r}: {self.why}"

    def at(self, where: str) -> InvalidValue:
        """The same problem, located (``crm.csv row 12, column Email``)."""
        return InvalidValue(self.field, self.value, self.why, where)


class NotFound(RelationkitError, LookupError):
    """No contact, purchase, follow-up or connector with that id or name.

    ``ref`` is what was looked for (it may be an email or phone): only :meth:`shown` ends
    with it.
    """

    def __init__(self, message: str, *, ref: str = "") -> None:
        super().__init__(message)
        self.ref = ref

    def shown(self) -> str:
        return f"{self} {self.ref!r}" if self.ref else str(self)


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


def describe(exc: BaseException) -> str:
    """``exc`` in words safe for logs and reports: no customer data, whatever raised it.

    relationkit's own errors are worded without customer values, so their message is kept. Of
    any other exception only the type is (with the HTTP status of a web API's error, and the
    reason of an operating-system error): a database error's text holds the statement and the
    server's detail may quote a value (``Key (value)=(ann@example.com) already exists``), and a
    library's or a plugin's message may quote what it was given.
    """
    name = type(exc).__name__
    if isinstance(exc, RelationkitError):
        return f"{name}: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name}: {exc.strerror}"
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    return f"{name} (HTTP {status})" if isinstance(status, int) else name
