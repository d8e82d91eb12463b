"""Logging for unattended runs: human lines or JSON, with no customer data and no secrets.

Customer data stays out of the logs by construction: relationkit's messages name customers,
records and fields by id (contact id, connector, external id, field name) and word other
exceptions with :func:`relationkit.errors.describe`. What may carry customer data, such as the
traceback of an exception raised by a library or a plugin, is logged with
``extra=CUSTOMER_DATA`` and dropped unless ``verbose_pii``.

:func:`job_logging` sets up the ``relationkit`` loggers for one command (``relationkit sync``)
and puts a :class:`RedactingFilter` on every handler that receives them, including handlers an
embedding application installed on the root logger. As a safety net for a plugin's careless
message it replaces what has the shape of customer data or a secret, never ordinary words:
email addresses, phone numbers (found by ``phonenumbers``), Google tokens and authorization
codes, passwords in database URLs. ``verbose_pii=True`` leaves messages as they are.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal

import phonenumbers

LogFormat = Literal["human", "json"]

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SECRETS = (
    # Google access tokens, refresh tokens and authorization codes.
    (re.compile(r"\bya29\.[\w.-]+"), "<token>"),
    (re.compile(r"\b1//[\w.-]+"), "<token>"),
    (re.compile(r"\b4/[\w.-]{10,}"), "<code>"),
    (re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+"), r"\1 <token>"),
    # "token": "...", token=..., client_secret=...
    (
        re.compile(
            r"""(?i)(["']?\b(?:access_token|refresh_token|id_token|token|client_secret|"""
            r"""password|code)["']?\s*[:=]\s*["']?)[^\s"'&,}]+"""
        ),
        r"\1<secret>",
    ),
    # postgresql://user:password@host
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1<secret>@"),
)
# ``log.debug(..., exc_info=True, extra=CUSTOMER_DATA)``: a record that may quote customer data.
CUSTOMER_DATA = {"customer_data": True}


class RedactingFilter(logging.Filter):
    """Keeps customer data and secrets out of records (see the module docstring): drops those
    marked :data:`CUSTOMER_DATA`, and redacts emails, phones and secrets in the others.

    ``region`` is the default country for phone numbers written without ``+``.
    """

    def __init__(self, region: str = "US", *, enabled: bool = True) -> None:
        super().__init__()
        self.region = region
        self.enabled = enabled

    def redact(self, text: str) -> str:
        """``text`` with emails, phones and secrets replaced by placeholders (unchanged when
        the filter is disabled, with ``--verbose-pii``)."""
        if not self.enabled:
            return text
        text = _EMAIL.sub("<email>", text)
        for pattern, replacement in _SECRETS:
            text = pattern.sub(replacement, text)
        return self._redact_phones(text)

    def _redact_phones(self, text: str) -> str:
        if not any(c.isdigit() for c in text):
            return text
        matcher = phonenumbers.PhoneNumberMatcher(
            text, self.region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        # Digits inside a word (an id such as f_4155550134ab) are not a phone number.
        spans = [
            (m.start, m.end)
            for m in matcher
            if not _is_word_char(text, m.start - 1) and not _is_word_char(text, m.end)
        ]
        for start, end in reversed(spans):
            text = text[:start] + "<phone>" + text[end:]
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.enabled or getattr(record, "_relationkit_redacted", False):
            return True
        if getattr(record, "customer_data", False):
            return False
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = self.redact(text.rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record._relationkit_redacted = True
        return True


def _is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``
    and, when there is one, ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


@contextmanager
def job_logging(
    *,
    fmt: LogFormat = "human",
    level: int = logging.INFO,
    verbose_pii: bool = False,
    region: str = "US",
    handler: logging.Handler | None = None,
) -> Iterator[RedactingFilter]:
    """Log ``relationkit.*`` at ``level`` (anything else at WARNING) to stderr, or ``handler``.

    Yields the redacting filter (disabled with ``verbose_pii``), for the caller's own output.
    Everything is put back as it was afterwards.
    """
    redacting = RedactingFilter(region, enabled=not verbose_pii)
    own = handler or logging.StreamHandler(sys.stderr)
    if fmt == "json":
        own.setFormatter(JsonFormatter())
    elif own.formatter is None:
        own.setFormatter(logging.Formatter(HUMAN_FORMAT))
    root, logger = logging.getLogger(), logging.getLogger("relationkit")
    # On the root logger, so a plugin's own loggers are redacted too.
    root.addHandler(own)
    handlers = list(root.handlers)
    saved_level = logger.level
    for each in handlers:
        each.addFilter(redacting)
    logger.setLevel(level)
    try:
        yield redacting
    finally:
        root.removeHandler(own)
        logger.setLevel(saved_level)
        for each in handlers:
            each.removeFilter(redacting)


__all__ = ["CUSTOMER_DATA", "JsonFormatter", "LogFormat", "RedactingFilter", "job_logging"]
