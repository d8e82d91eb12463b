"""A throwaway PostgreSQL server for tests, started with the machine's own initdb and pg_ctl.

``start_postgres(find_postgres_bin())`` creates a cluster in a new temporary directory, starts it
on a free loopback port (fsync off: test data needn't survive a power cut) and returns a
:class:`PostgresServer` whose ``create_database(name)`` gives SQLAlchemy URLs
(``postgresql+psycopg://``). PostgreSQL refuses to run as root, so as root the cluster belongs
to the ``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

SERVER_USER = "postgres"


def find_postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: on PATH, else Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest first); None when not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists() and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running test server; ``stop()`` shuts it down and deletes its files."""

    bin_dir: Path
    folder: Path
    port: int
    user: str | None  # the system user running it (None: the current one)

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        _run(self, "pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(server: PostgresServer, program: str, *args: str) -> None:
    result = subprocess.run(
        [str(server.bin_dir / program), *args],
        user=server.user,
        capture_output=True,
        text=True,
        cwd=server.folder,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
        )


def start_postgres(bin_dir: Path) -> PostgresServer:
    """Initialise and start a server in a new temporary directory (see the module docstring)."""
    user = SERVER_USER if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="relationkit-pg-"))
    if user is not None:
        try:
            account = pwd.getpwnam(user)
        except KeyError:
            raise RuntimeError(
                f"running as root, PostgreSQL needs a system user called {user!r} (Debian's "
                "postgresql package creates it)"
            ) from None
        os.chown(folder, account.pw_uid, account.pw_gid)
    server = PostgresServer(bin_dir, folder, _free_port(), user)
    data = str(folder / "data")
    _run(server, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--locale=C", "--no-sync")  # fmt: skip
    options = (
        f"-p {server.port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    _run(server, "pg_ctl", "-D", data, "-o", options, "-l", str(folder / "log"), "-w", "start")
    return server


__all__ = ["PostgresServer", "find_postgres_bin", "start_postgres"]
