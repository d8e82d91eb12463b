"""The sync lock with real processes: a run killed with SIGKILL does not block the next one, and
a run stuck on a silent server is named (pid, host, start, command) by the run it stops."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from google_sync_support import GoogleShop

from relationkit import google
from relationkit.jobs import CRASH_AT_ENV, ExitCode, LockHolder, holder_path, lock_path
from relationkit.testing import GoogleEmulator

pytestmark = pytest.mark.slow

SYNC = [sys.executable, "-c", "from relationkit.cli import main; main()", "sync"]


@pytest.fixture
def shop(google_emulator: GoogleEmulator, tmp_path: Path) -> GoogleShop:
    shop = GoogleShop(google_emulator, tmp_path)
    shop.set_up()
    return shop


def run_sync(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(SYNC, env=env, capture_output=True, text=True, timeout=120)


def test_a_killed_run_leaves_no_lock_behind(shop: GoogleShop) -> None:
    env = shop.environment()
    killed = run_sync({**env, CRASH_AT_ENV: "pull:google_contacts"})
    assert killed.returncode == -signal.SIGKILL
    lock = lock_path(shop.db_url)
    stale = LockHolder(**json.loads(holder_path(lock).read_text(encoding="utf-8")))
    assert stale.host == socket.gethostname() and stale.command == "relationkit sync"
    assert stale.running() is False  # the record outlives its process...

    again = run_sync(env)  # ...but not its lock: the next run takes it over
    assert again.returncode == ExitCode.OK, again.stdout + again.stderr[-3000:]
    assert not holder_path(lock).exists()


def test_a_stuck_run_is_named_by_the_run_it_stops(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    google_emulator.inject_fault("people", stall=True)
    env = {**shop.environment(), google.TIMEOUT_ENV: "60"}
    stuck = subprocess.Popen(SYNC, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while google_emulator.faults.pending() and time.monotonic() < deadline:
            time.sleep(0.1)  # until the call to People is stalled
        assert not google_emulator.faults.pending(), "the first sync never reached People"

        second = run_sync(env)
        assert second.returncode == ExitCode.LOCKED
        message = second.stderr
        assert f"pid {stuck.pid} on {socket.gethostname()}, started " in message
        assert "`relationkit sync`" in message and "has ended" not in message
        assert str(lock_path(shop.db_url)) in message
    finally:
        os.kill(stuck.pid, signal.SIGKILL)
        stuck.wait(timeout=30)

    third = run_sync(env)
    assert third.returncode == ExitCode.OK, third.stdout + third.stderr[-3000:]
