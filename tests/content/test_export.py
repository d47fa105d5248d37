"""Exporting the bank as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.content.bank import load_bank
from bot.content.export import EXPORT_FIELDS, export_items


def test_json_export_has_every_item_with_stable_keys() -> None:
    bank = load_bank()
    records = json.loads(export_items(bank.items, "json"))
    assert len(records) == len(bank)
    assert all(tuple(record) == EXPORT_FIELDS for record in records)
    prompt = next(r for r in records if r["id"] == bank.prompts[0].id)
    assert prompt["answer"] == "" and prompt["key_points"] == []
    lora = next(r for r in records if r["id"] == "distinguishes-lora-qlora-fine-tuning-llms")
    assert lora["alternate_questions"] == ["What is LoRA and QLoRA?"]


def test_csv_export_joins_lists_with_pipes() -> None:
    bank = load_bank()
    rows = list(csv.DictReader(io.StringIO(export_items(bank.items, "csv"))))
    assert len(rows) == len(bank)
    assert tuple(rows[0]) == EXPORT_FIELDS
    lora = next(r for r in rows if r["id"] == "distinguishes-lora-qlora-fine-tuning-llms")
    assert lora["key_points"] == " | ".join(bank.by_id[lora["id"]].key_points)
    assert lora["alternate_questions"] == "What is LoRA and QLoRA?"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json, csv"):
        export_items((), "xml")
