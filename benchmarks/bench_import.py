"""CSV contact import: 100,000 realistic rows into a fresh SQLite database in under 60 s.

uv run --all-packages python benchmarks/bench_import.py [--rows N]   # prints rows/s
uv run --all-packages python benchmarks/run.py --only import          # into docs/performance.md
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from harness import Measure, peak_rss_mib  # noqa: E402

import relationkit  # noqa: E402
from relationkit.config import Config  # noqa: E402
from relationkit.importers import _read_table, import_contacts_csv, map_headers  # noqa: E402
from relationkit.parsing import contact_from_fields  # noqa: E402

TITLE = "CSV import"
ABOUT = """
`import_contacts_csv` on a generated shop export (name, email, phone, birthday in mixed formats,
address, company, tags, marketing, channel, notes; about 3% duplicate people and 2% bad values),
into a fresh SQLite database. "parse" is reading the file and `contact_from_fields` alone;
"import" is everything; "re-import" is the same file again (every row unchanged).
"""

TARGET_ROWS_PER_S = 100_000 / 60
T = TypeVar("T")


def timed(func: Callable[[], T]) -> tuple[T, float, float]:
    """The result, wall seconds and CPU seconds of this process (the CPU figure still means
    something on a machine busy with other work)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


_GIVEN = "Ann Bob Carlos Dana Emil Fatima Grace Hiro Ines Jon Kate Luis Mia Nora Omar Priya Quinn Ravi Sara Tom Uma Vic Wen Yara Zoe".split()  # noqa: E501, SIM905
_FAMILY = "Lee Smith Garcia Kowalski Nguyen Walker Johnson Tanaka Brown Schmidt Rivera Martin Miller Kim Fischer Hassan Evans Novak Costa Green".split()  # noqa: E501, SIM905
_STREETS = "Alder Pine Oak Birch Cedar Maple Elm Willow Spruce Holly".split()  # noqa: SIM905
_CITIES = ["Portland", "Beaverton", "Tigard", "Gresham", "Lake Oswego", "Hillsboro"]
_TAGS = ["mowers", "roses", "seeds", "tools", "service", "trade", "houseplants", "bonsai"]
_HEADER = [
    "Name", "Email", "Phone", "DOB", "Address", "City", "State", "Zip", "Company", "Tags",
    "Marketing OK", "Preferred Contact", "Notes", "Loyalty Card",
]  # fmt: skip


def write_rows(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic export: mixed date and phone formats, some duplicates and bad values."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_HEADER)
        for n in range(rows):
            person = rng.randrange(n + 1) if n and rng.random() < 0.03 else n
            person_rng = random.Random(person)
            given, family = person_rng.choice(_GIVEN), person_rng.choice(_FAMILY)
            email = f"{given}.{family}{person}@example.com".lower()
            area, line = 200 + (person // 10000) % 700, person % 10000  # unique per person
            phone = rng.choice(
                [f"({area}) 555-{line:04d}", f"{area}-555-{line:04d}", f"+1 {area} 555 {line:04d}"]
            )
            year, month, day = 1940 + person % 60, 1 + person % 12, 1 + person % 28
            birthday = rng.choice(
                [
                    f"{year}-{month:02d}-{day:02d}",
                    f"{month}/{day}/{year}",
                    f"{day} {_month(month)} {year}",
                    "",
                ]
            )
            if rng.random() < 0.02:
                email, birthday = email.replace("@", "@@"), "31/02/1986"
            writer.writerow(
                [
                    f"{given} {family}", email, phone, birthday,
                    f"{person % 900 + 1} {person_rng.choice(_STREETS)} St",
                    person_rng.choice(_CITIES),
                    "OR", f"97{person % 1000:03d}", "" if person % 5 else f"{family} Gardens",
                    "; ".join(person_rng.sample(_TAGS, 2)), person_rng.choice(["yes", "no", ""]),
                    person_rng.choice(["email", "phone", "sms", ""]),
                    "" if person % 3 else "Asked about the spring service", f"LC-{person:06d}",
                ]
            )  # fmt: skip


def _month(number: int) -> str:
    return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
        number - 1
    ]


def parse_only(path: Path) -> int:
    table = _read_table(path)
    columns = map_headers(table.header)
    for _number, record in table.rows:
        contact_from_fields({columns[i]: v for i, v in enumerate(record) if i in columns})
    return len(table.rows)


def run(quick: bool = False, rows: int | None = None) -> list[Measure]:
    rows = rows or (5_000 if quick else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write_rows(path, rows)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ws = relationkit.open(url, config=Config(db_url=url))
        try:
            _, parse_s, parse_cpu = timed(lambda: parse_only(path))
            report, import_s, import_cpu = timed(lambda: import_contacts_csv(ws, path))
            again, reimport_s, reimport_cpu = timed(lambda: import_contacts_csv(ws, path))
        finally:
            ws.close()
    assert again.unchanged == rows - again.rejected, "re-import changed something"
    rate = rows / import_s
    note = (
        f"{report.created:,} created, {report.merged:,} merged, {len(report.problems):,} problems"
    )
    return [
        Measure("contacts", f"parse {rows:,} rows", rows / parse_s, "rows/s"),
        Measure("contacts", "parse CPU per row", parse_cpu / rows * 1000, "ms"),
        Measure(
            "contacts", f"import {rows:,} rows", rate, "rows/s",
            target=f">= {TARGET_ROWS_PER_S:,.0f} rows/s", met=rate >= TARGET_ROWS_PER_S, note=note,
        ),
        Measure("contacts", f"import {rows:,} rows", import_s, "s"),
        Measure("contacts", "import CPU per row", import_cpu / rows * 1000, "ms"),
        Measure("contacts", f"re-import {rows:,} rows", rows / reimport_s, "rows/s"),
        Measure("contacts", "re-import CPU per row", reimport_cpu / rows * 1000, "ms"),
        Measure("contacts", "peak memory", peak_rss_mib(), "MiB"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    for m in run(rows=args.rows):
        print(f"{m.name:<28} {m.shown():>18}  {m.target} {m.note}")


if __name__ == "__main__":
    main()
