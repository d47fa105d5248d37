"""Items in and out of the bank as YAML, JSON or CSV records (the export's shape, read back)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.content.bank import dump_items
from bot.content.export import EXPORT_FIELDS, export_items
from bot.content.keypoints import extract_key_points
from bot.content.schema import LIST_KEYS, ContentError, Problem, read_entries
from bot.content.tagging import fit_difficulty, guess_difficulty, slugify
from bot.core.model import Item, Suggestion

FORMATS = ("yaml", "json", "csv")


def export_records(items: Sequence[Item], fmt: str) -> str:
    """The items as YAML (a bank file), JSON or CSV."""
    return dump_items(items) if fmt == "yaml" else export_items(items, fmt)


def format_of(path: Path) -> str:
    """yaml, json or csv from the file's extension."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = "yaml" if suffix == "yml" else suffix
    if fmt not in FORMATS:
        raise ValueError(f"{path.name}: use a .yaml, .json or .csv file")
    return fmt


def parse_records(text: str, fmt: str) -> list[dict[str, Any]]:
    """Records as written by ``export_records`` (CSV lists are `` | ``-joined)."""
    if fmt == "yaml":
        loaded = yaml.safe_load(text) or []
    elif fmt == "json":
        loaded = json.loads(text)
    else:
        loaded = []
        for row in csv.DictReader(io.StringIO(text)):
            record: dict[str, Any] = {}
            for key, value in row.items():
                if key not in EXPORT_FIELDS or value is None:
                    continue
                if key in LIST_KEYS:
                    record[key] = [v.strip() for v in value.split(" | ") if v.strip()]
                else:
                    record[key] = value
            loaded.append(record)
    if not isinstance(loaded, list):
        raise ValueError("the file must hold a list of items")
    return [r for r in loaded if isinstance(r, dict)]


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty optional lists so the bank file reads like a hand-written one."""
    return {k: v for k, v in record.items() if not (k in LIST_KEYS and not v and k != "key_points")}


def import_records(path: Path) -> list[Item]:
    """Items of a YAML/JSON/CSV file, validated like bank files (problems raise ContentError)."""
    records = [_clean(r) for r in parse_records(path.read_text(encoding="utf-8"), format_of(path))]
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / f"{path.stem}.yaml"
        staged.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True), "utf-8")
        entries, problems = read_entries(staged)
    if problems:
        raise ContentError([Problem(str(path), p.line, p.severity, p.message) for p in problems])
    return [entry.item for entry in entries]


def suggestion_item(s: Suggestion, taken: set[str], key_points: Sequence[str] = ()) -> Item:
    """An approved suggestion as a bank item: an id not in ``taken`` (which it joins), key
    points extracted from the answer unless given, a difficulty its answer supports."""
    base = slugify(s.question) or f"suggestion-{s.id}"
    item_id, n = base, 1
    while item_id in taken:
        n += 1
        item_id = f"{base}-{n}"
    taken.add(item_id)
    guessed = guess_difficulty(s.question, s.answer)
    return Item(
        id=item_id,
        question=s.question,
        answer=s.answer,
        key_points=tuple(key_points) or tuple(extract_key_points(s.answer)),
        topic=s.topic,
        difficulty=fit_difficulty(guessed, s.answer),
        source=f"suggested by {s.author.display_name or s.author.user_id}",
    )


def suggestion_items(suggestions: Sequence[Suggestion], taken: set[str]) -> list[Item]:
    """Approved suggestions as bank items (ids unique against ``taken``; key points extracted)."""
    return [suggestion_item(s, taken) for s in suggestions]
