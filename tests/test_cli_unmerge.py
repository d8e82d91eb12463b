"""`relationkit unmerge`, `relationkit merges` and the Merged part of `contacts show --history`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_cli import CliRunnerOnDb


@pytest.fixture
def cli(db_url: str) -> Iterator[CliRunnerOnDb]:
    yield CliRunnerOnDb(db_url)


def _two_anns(cli: CliRunnerOnDb) -> tuple[str, str]:
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com", "--birthday", "1979-03-14")
    cli(
        "contacts",
        "add",
        "Anne Lee",
        "--email",
        "anne@work.example",
        "--birthday",
        "1980-05-02",
        "--notes",
        "bought a hat",
    )
    ann = cli.json("contacts", "show", "ann@example.com")["contact"]["id"]
    anne = cli.json("contacts", "show", "anne@work.example")["contact"]["id"]
    return ann, anne


def test_merge_then_unmerge_from_the_cli(cli: CliRunnerOnDb) -> None:
    ann, anne = _two_anns(cli)
    cli("purchases", "add", "anne@work.example", "25")
    merged = cli("merge", "ann@example.com", "anne@work.example")
    assert f"relationkit unmerge {anne}" in merged.stdout

    done = cli("unmerge", anne)

    assert done.stdout.startswith(f"Split Anne Lee ({anne}) from Ann Lee ({ann})")
    assert "next `relationkit sync`" in done.stdout
    first = cli.json("contacts", "show", "ann@example.com")
    second = cli.json("contacts", "show", "anne@work.example")
    assert (first["contact"]["id"], first["contact"]["emails"]) == (ann, ["ann@example.com"])
    assert first["contact"]["birthday"] == "1979-03-14" and not first["contact"]["notes"]
    assert (second["contact"]["id"], second["contact"]["birthday"]) == (anne, "1980-05-02")
    assert second["stats"]["purchase_count"] == 1 and first["stats"]["purchase_count"] == 0
    assert cli.json("duplicates") == []  # remembered as two people
    again = cli("unmerge", anne, code=1)
    assert "not made by a merge" in again.stderr


def test_unmerge_by_the_survivor_undoes_its_latest_merge(cli: CliRunnerOnDb) -> None:
    ann, anne = _two_anns(cli)
    cli("merge", ann, anne)
    cli("unmerge", "ann@example.com")
    assert cli.json("contacts", "show", anne)["contact"]["id"] == anne


def test_merges_lists_who_when_how_and_the_undo(cli: CliRunnerOnDb) -> None:
    assert cli("merges").stdout == "No merges.\n"
    ann, anne = _two_anns(cli)
    cli("merge", ann, anne)

    (listed,) = cli.json("merges")
    assert (listed["survivor_id"], listed["absorbed_id"]) == (ann, anne)
    assert (listed["source"], listed["automatic"], listed["can_undo"]) == ("cli", False, True)
    table = cli("merges").stdout
    assert "by you, cli" in table and f"relationkit unmerge {anne}" in table
    assert cli.json("merges", "--auto") == []
    assert len(cli.json("merges", "--since", "1h")) == 1
    assert cli.json("merges", "--since", "2999-01-01") == []

    cli("unmerge", anne)
    (undone,) = cli.json("merges")
    assert undone["undone_at"] and not undone["can_undo"]
    assert "undone" in cli("merges").stdout
    assert "neither a date" in cli("merges", "--since", "soon", code=2).stderr


def test_history_shows_both_values_of_every_differing_field(cli: CliRunnerOnDb) -> None:
    ann, anne = _two_anns(cli)
    cli("merge", ann, anne)

    shown = cli("contacts", "show", ann, "--history").stdout

    merged_part = shown[shown.index("\nMerged\n") :]
    assert f"Anne Lee ({anne}) merged into Ann Lee ({ann}) by you, cli" in merged_part
    birthday = next(line for line in merged_part.splitlines() if "birthday:" in line)
    assert "1979-03-14 from Ann Lee" in birthday and "1980-05-02 from Anne Lee" in birthday
    assert "bought a hat from Anne Lee" in merged_part
    assert "Merged" not in cli("contacts", "show", ann).stdout.split("Last touch")[-1]
    cli("unmerge", anne)
    split_off = cli("contacts", "show", anne, "--history").stdout
    assert f"Anne Lee ({anne}) merged into Ann Lee ({ann}) by you, cli, undone" in split_off
