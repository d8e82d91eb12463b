"""Killing ``relationkit sync`` in a subprocess, then running it again: the crash-safety tests'
common moves."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from relationkit.jobs import CRASH_AT_ENV

TIMEOUT = 60  # seconds any one sync may take


def sync_command() -> list[str]:
    return [sys.executable, "-c", "from relationkit.cli import main; main()", "sync"]


def kill_a_sync(env: dict[str, str], how: str, point: str) -> None:
    """Run a sync and SIGKILL it: at an engine step (``how="step"``, ``point`` as for
    ``RELATIONKIT_CRASH_AT``) or ``point`` seconds after it started (``how="after"``)."""
    if how == "step":
        crashed = subprocess.run(
            sync_command(), env={**env, CRASH_AT_ENV: point}, capture_output=True, timeout=TIMEOUT
        )
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-3000:]
        return
    process = subprocess.Popen(
        sync_command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(float(point.split()[0]))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=TIMEOUT)


def rerun(env: dict[str, str]) -> None:
    """The next scheduled sync: it must succeed."""
    done = subprocess.run(sync_command(), env=env, capture_output=True, timeout=TIMEOUT, text=True)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
