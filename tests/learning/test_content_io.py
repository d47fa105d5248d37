"""Admins move the bank in and out: YAML, JSON and CSV round trips, and an Anki deck."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.content.bank import load_bank, write_bank
from bot.content.cli import app
from bot.core.model import ChannelRef, Suggestion, UserRef
from bot.storage.learning_store import SqlLearningStore
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


def test_approved_suggestions_become_importable_bank_items(bank: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    store = SqlLearningStore(url)
    channel = ChannelRef("console", "local", "console")
    for question in ("What does the KV cache store?", "Is this rejected?"):
        store.add_suggestion(
            Suggestion(
                0,
                channel,
                UserRef("console", "ada", "Ada"),
                question,
                "It stores the keys and values of past tokens. Each new token reuses them.",
                "decoding",
                datetime(2026, 3, 2, tzinfo=UTC),
            )
        )
    store.decide_suggestion(1, channel, "approved", "")
    store.decide_suggestion(2, channel, "rejected", "no")
    store.close()
    out = tmp_path / "approved.yaml"
    done = CliRunner().invoke(
        app, ["approved", "--out", str(out), "--db", url, "--bank", str(bank)]
    )
    assert done.exit_code == 0 and "wrote 1 approved suggestion(s)" in done.output, done.output
    imported = CliRunner().invoke(app, ["import-items", str(out), "--bank", str(bank)])
    assert imported.exit_code == 0, imported.output
    [item] = [i for i in load_bank(bank).items if i.source == "suggested by Ada"]
    assert item.question == "What does the KV cache store?" and item.key_points
