"""Writing files so that a reader sees the old file or the new one, never half of either.

Every file relationkit writes (exports, the config file, the Google sign-in, the CSV connector's
file, an ICS calendar, the unmatched purchase lines, the demo's files) goes through
:func:`write_atomically`: the content is written to a temporary file in the same directory,
flushed and fsynced, then renamed over the target (``os.replace``) and the directory fsynced.
A failure anywhere before the rename (a full disk, an error, a killed process) leaves the
previous file as it was.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def write_atomically(
    path: Path, *, mode: int | None = None, binary: bool = False
) -> Iterator[IO[Any]]:
    """A handle whose content replaces ``path`` when the ``with`` block ends without error.

    Text is UTF-8 with newlines written as given (``newline=""``, as the csv module wants);
    ``binary`` gives a bytes handle. The file gets ``mode`` when given (``0o600`` for secrets),
    else the mode of the file it replaces, else that of a new file (0666 less the umask). If
    the block raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    if path.is_symlink():  # replace the file the link points to, keeping the link
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(descriptor, _mode_for(path, mode))
        handle = (
            os.fdopen(descriptor, "wb")
            if binary
            else os.fdopen(descriptor, "w", encoding="utf-8", newline="")
        )
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def write_text_atomically(path: Path, text: str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (see :func:`write_atomically`)."""
    with write_atomically(path, mode=mode) as handle:
        handle.write(text)


def write_bytes_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (see :func:`write_atomically`)."""
    with write_atomically(path, mode=mode, binary=True) as handle:
        handle.write(data)


def _mode_for(path: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    """The process's umask (read once: reading it means setting it for a moment)."""
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (a no-op where a directory cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = ["write_atomically", "write_bytes_atomically", "write_text_atomically"]
