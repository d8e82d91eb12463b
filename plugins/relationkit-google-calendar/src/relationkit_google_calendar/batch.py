"""Many Calendar calls in few requests: Google's batch endpoint, 50 calls a request.

A call inside a batch fails on its own (a 429 or 500 for one part): those parts, and only
those, are sent again in the next try, with the backoff and ``Retry-After`` of
:func:`relationkit.google.call_with_retries`. What still fails after the last try comes back as
that call's error; the other calls' answers are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from googleapiclient.errors import HttpError

from relationkit.errors import SyncError
from relationkit.google import call_with_retries, is_transient

MAX_CALLS = 50  # Google's recommended batch size for Calendar

Outcome = dict[str, Any] | Exception


def run_batch(service: Any, calls: dict[str, Callable[[], Any]], what: str) -> dict[str, Outcome]:
    """Run ``calls`` (key -> a function making one ``HttpRequest``) in batches of at most 50.

    Returns each key's answer (the response body, ``{}`` for an empty one) or the exception it
    ended with (an ``HttpError`` from Google, or a ``SyncError`` when retries ran out).
    """
    outcomes: dict[str, Outcome] = {}
    pending = dict(calls)

    def attempt() -> None:
        transient: list[Exception] = []

        def answered(key: str, response: Any, exception: Exception | None) -> None:
            if exception is not None and is_transient(exception):
                transient.append(exception)
                return
            outcomes[key] = exception if exception is not None else (response or {})
            pending.pop(key, None)

        keys = list(pending)
        for start in range(0, len(keys), MAX_CALLS):
            batch = service.new_batch_http_request()
            for key in keys[start : start + MAX_CALLS]:
                batch.add(pending[key](), callback=answered, request_id=key)
            batch.execute()
        if transient:
            # The last one: its Retry-After says how long Google wants us to wait.
            raise transient[-1]

    if pending:
        try:
            call_with_retries(attempt, what)
        except (SyncError, HttpError) as exc:
            for key in pending:
                outcomes[key] = exc
    return outcomes
