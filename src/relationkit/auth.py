"""Credentials for Google: where they are stored and how connectors get them.

Connectors call :func:`google_credentials` with the scopes they need. With the emulator
(``RELATIONKIT_GOOGLE_EMULATOR``) no credentials are needed and it returns None. Otherwise it
loads the authorised-user token saved by ``relationkit auth google`` (``google-token.json`` in the
user config directory, mode 0600), refreshing it when expired, or a service account key named
by ``RELATIONKIT_GOOGLE_SERVICE_ACCOUNT``. Tokens are never logged nor put in error messages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .config import config_dir
from .errors import AuthError
from .google import emulator_url

SERVICE_ACCOUNT_ENV = "RELATIONKIT_GOOGLE_SERVICE_ACCOUNT"
TOKEN_FILE_NAME = "google-token.json"


def google_token_path() -> Path:
    """Where ``relationkit auth google`` keeps the refresh token."""
    return config_dir() / TOKEN_FILE_NAME


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def google_credentials(scopes: list[str]) -> Any | None:
    """Credentials for ``scopes``; None with the emulator. Raises AuthError saying what to run."""
    if emulator_url() is not None:
        return None
    service_account = os.environ.get(SERVICE_ACCOUNT_ENV)
    if service_account:
        from google.oauth2 import service_account as sa

        try:
            return sa.Credentials.from_service_account_file(service_account, scopes=scopes)
        except (OSError, ValueError) as exc:
            raise AuthError(
                f"cannot read the service account key named by {SERVICE_ACCOUNT_ENV} "
                f"({service_account}): {type(exc).__name__}"
            ) from None
    path = google_token_path()
    if not path.exists():
        raise AuthError(
            "relationkit is not connected to a Google account yet: run `relationkit auth google`"
        )
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        creds = Credentials.from_authorized_user_info(info)
    except (OSError, ValueError) as exc:
        raise AuthError(
            f"the saved Google sign-in ({path}) cannot be read ({type(exc).__name__}): "
            "run `relationkit auth google` again"
        ) from None
    missing = sorted(set(scopes) - set(creds.scopes or ()))
    if missing:
        raise AuthError(
            "the saved Google sign-in does not allow " + ", ".join(missing) + ": run "
            "`relationkit auth google` again to grant access for the enabled plugins"
        )
    if not creds.valid:
        try:
            creds.refresh(Request())
        except RefreshError:
            raise AuthError(
                "Google refused the saved sign-in (expired or revoked): "
                "run `relationkit auth google` again"
            ) from None
        write_private(path, creds.to_json())
    return creds
