"""The benchmark harness: each ``benchmarks/bench_*.py`` module has ``run(quick) -> list[Measure]``.

``python benchmarks/run.py`` runs them all (or ``--only name``), prints one table and rewrites
docs/performance.md with the figures, the machine they were measured on and the date.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class Measure:
    """One figure: what was measured, its value and unit, the target it must meet (if any)."""

    group: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None  # None when there is no target
    note: str = ""

    def shown(self) -> str:
        if self.unit in (
            "requests", "rows", "contacts", "pairs", "edits", "records", "scenarios", "syncs",
            "messages",
        ):  # fmt: skip
            return f"{self.value:,.0f} {self.unit}"
        if self.unit == "ratio":
            return f"{self.value:.4f}"
        if self.unit == "x":
            return f"{self.value:,.1f}x"
        return f"{self.value:,.2f} {self.unit}"


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...; elapsed()`` gives seconds (also after the block)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def timed(func: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, "
        f"Python {platform.python_version()}"
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def customers_in_google(emu: Any, n: int, label: str = "Customers") -> str:
    """``n`` people under ``label`` in the emulator's Google Contacts (``person<i>@example.com``,
    one phone each), added as the account's owner would; returns the label's id."""
    group = emu.people.add_group(label)
    for i in range(n):
        emu.people.add_person(
            {
                "names": [{"givenName": "Person", "familyName": str(i)}],
                "emailAddresses": [{"value": f"person{i}@example.com"}],
                "phoneNumbers": [{"value": f"+1 415 5{i:06d}"}],
                "memberships": [{"contactGroupMembership": {"contactGroupId": group}}],
            }
        )
    return group
