"""Purchase import: 1,000,000 order lines in under 3 minutes and 1 GiB, re-import under 2.

uv run --all-packages python benchmarks/bench_purchases_import.py [--lines N]   # prints figures
uv run --all-packages python benchmarks/run.py --only purchases_import          # into docs
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from harness import Measure, peak_rss_mib  # noqa: E402

import relationkit  # noqa: E402
from relationkit.config import Config  # noqa: E402
from relationkit.importers import import_purchases_csv  # noqa: E402
from relationkit.models import Contact  # noqa: E402

TITLE = "Purchase import"
ABOUT = """
`import_purchases_csv` on a generated year of a busy shop: order lines Shopify-style (an order's
fields on its first line only, 1 to 4 lines an order), 20,000 customers found by email, statuses
(paid, partially refunded with a refunded amount, refunded, failed, voided, pending) and 5% of
orders in EUR, into a SQLite database holding the customers. "import" is everything (reading,
matching, grouping lines into orders, storing); "re-import" is the same file again: every order
unchanged, nothing doubled (the orders, the money kept and the visits are checked).
"""

TARGET_IMPORT_S = 180
TARGET_REIMPORT_S = 120
TARGET_MIB = 1024
CUSTOMERS = 20_000
T = TypeVar("T")

_STATUSES = [
    ("paid", 0.90), ("partially_refunded", 0.03), ("refunded", 0.03), ("failed", 0.02),
    ("voided", 0.01), ("pending", 0.01),
]  # fmt: skip
_ITEMS = ["Tulips", "Roses", "Seed packet", "Mower blade", "Gloves", "Compost", "Pruner", "Pot"]
_CATEGORIES = ["flowers", "seeds", "tools", "service"]
HEADER = [
    "Order ID", "Date", "Email", "Amount", "Currency", "Status", "Refunded Amount", "Items",
    "Category",
]  # fmt: skip


def timed(func: Callable[[], T]) -> tuple[T, float, float]:
    """The result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def write_lines(path: Path, lines: int, seed: int = 11) -> int:
    """``lines`` order lines (the last order may be cut short); returns how many orders."""
    rng = random.Random(seed)
    statuses, weights = zip(*_STATUSES, strict=True)
    start = date(2025, 12, 1)
    written = orders = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while written < lines:
            orders += 1
            customer = rng.randrange(CUSTOMERS)
            day = start + timedelta(days=rng.randrange(365))
            status = rng.choices(statuses, weights)[0]
            currency = "EUR" if rng.random() < 0.05 else "USD"
            count = min(rng.randint(1, 4), lines - written)
            prices = [rng.randrange(300, 20_000) / 100 for _ in range(count)]
            total = sum(prices)
            refunded = f"{total / 2:.2f}" if status == "partially_refunded" else "0.00"
            for n, price in enumerate(prices):
                first = n == 0
                writer.writerow(
                    [
                        f"#{100000 + orders}",
                        day.isoformat() if first else "",
                        f"customer{customer}@example.com" if first else "",
                        f"{price:.2f}",
                        currency if first else "",
                        status if first else "",
                        refunded if first else "",
                        rng.choice(_ITEMS),
                        rng.choice(_CATEGORIES),
                    ]
                )
            written += count
    return orders


def add_customers(ws: relationkit.workspace.Workspace) -> None:
    drafts = []
    for n in range(CUSTOMERS):
        draft = Contact()
        draft.set("display_name", f"Customer {n}", source="bench")
        draft.set("emails", [f"customer{n}@example.com"], source="bench")
        drafts.append(draft)
    for start in range(0, CUSTOMERS, 5_000):
        ws.upsert_many(drafts[start : start + 5_000], source="bench")


def figures(ws: relationkit.workspace.Workspace) -> tuple[int, str, int]:
    """Orders stored, the money kept and the visits (what a doubled import would change)."""
    from relationkit.followups.context import load_context

    context = load_context(ws, date(2026, 12, 1))
    kept = sum(s.total_spend for s in context.stats.values())
    visits = sum(s.purchase_count for s in context.stats.values())
    return len(ws.purchases()), str(kept), visits


def run(quick: bool = False, lines: int | None = None) -> list[Measure]:
    lines = lines or (50_000 if quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        orders = write_lines(path, lines)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ws = relationkit.open(url, config=Config(db_url=url))
        try:
            add_customers(ws)
            report, import_s, import_cpu = timed(lambda: import_purchases_csv(ws, path))
            memory = peak_rss_mib()
            first = figures(ws)
            again, reimport_s, reimport_cpu = timed(lambda: import_purchases_csv(ws, path))
            second = figures(ws)
        finally:
            ws.close()
    assert report.created == orders and first[0] == orders, (report, first, orders)
    assert second == first, ("re-import changed something", first, second)
    assert again.unchanged == orders, ("re-import changed something", again)
    note = f"{orders:,} orders; {first[2]:,} visits"
    scale = 1_000_000 / lines  # the targets are for a million lines
    return [
        Measure(
            "purchases", f"import {lines:,} lines", import_s, "s",
            target=f"<= {TARGET_IMPORT_S / scale:,.0f} s", met=import_s * scale <= TARGET_IMPORT_S,
            note=note,
        ),
        Measure("purchases", "import rate", lines / import_s, "rows/s"),
        Measure("purchases", "import CPU per line", import_cpu / lines * 1000, "ms"),
        Measure(
            "purchases", f"re-import {lines:,} lines", reimport_s, "s",
            target=f"<= {TARGET_REIMPORT_S / scale:,.0f} s",
            met=reimport_s * scale <= TARGET_REIMPORT_S, note="nothing doubled (checked)",
        ),
        Measure("purchases", "re-import CPU per line", reimport_cpu / lines * 1000, "ms"),
        Measure(
            "purchases", "peak memory of the import", memory, "MiB",
            target=f"<= {TARGET_MIB:,} MiB", met=memory <= TARGET_MIB,
        ),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    for m in run(lines=args.lines):
        print(f"{m.name:<32} {m.shown():>18}  {m.target} {m.note}")


if __name__ == "__main__":
    main()
