"""Admins move the bank in and out: YAML, JSON and CSV round trips, and an Anki deck."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.content.bank import load_bank, write_bank
from bot.content.cli import app
from tests.core.items import make_item, small_bank


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    directory = tmp_path / "bank"
    write_bank(small_bank(6), directory)
    return directory


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_export_then_import_round_trips_every_item(bank: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"items.{fmt}"
    exported = CliRunner().invoke(
        app, ["export", "--format", fmt, "--out", str(out), "--bank", str(bank)]
    )
    assert exported.exit_code == 0, exported.output
    other = tmp_path / "other"
    write_bank([make_item("extra-one", "safety")], other)
    done = CliRunner().invoke(app, ["import-items", str(out), "--bank", str(other)])
    assert done.exit_code == 0, done.output
    assert "imported 6 items (0 replaced)" in done.output
    assert {i.id for i in load_bank(other).items} == {i.id for i in small_bank(6)} | {"extra-one"}
    by_id = {i.id: i for i in load_bank(other).items}
    assert all(by_id[i.id] == i for i in small_bank(6))


def test_import_reports_bad_records_with_the_fix(tmp_path: Path, bank: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "x", "question": "Q?", "topic": "astrology"}]')
    done = CliRunner().invoke(app, ["import-items", str(bad), "--bank", str(bank)])
    assert done.exit_code == 1
    assert "unknown topic 'astrology'" in done.output and "missing the required key" in done.output


def test_anki_export_writes_one_note_per_answered_item(bank: Path, tmp_path: Path) -> None:
    deck = tmp_path / "qotd.apkg"
    done = CliRunner().invoke(
        app, ["export", "--format", "anki", "--out", str(deck), "--bank", str(bank)]
    )
    assert done.exit_code == 0 and "exported 6 cards" in done.output
    with zipfile.ZipFile(deck) as apkg:
        apkg.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    fronts = [row[0] for row in db.execute("SELECT flds FROM notes")]
    db.close()
    assert len(fronts) == 6 and any("What is item 00?" in f for f in fronts)
