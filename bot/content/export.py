"""Export the bank as JSON or CSV for spreadsheets and other tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from bot.core.model import Item

EXPORT_FIELDS = (
    "id",
    "question",
    "answer",
    "key_points",
    "topic",
    "difficulty",
    "source",
    "alternate_questions",
    "alternate_answers",
    "alternate_sources",
    "related",
)
"""Keys of every exported record, in this order (lists are JSON arrays, ``" | "``-joined in CSV)."""
FORMATS = ("json", "csv")


def export_record(item: Item) -> dict[str, Any]:
    """One item as a flat record with stable keys ("" answer for discussion prompts)."""
    return {
        "id": item.id,
        "question": item.question,
        "answer": item.answer,
        "key_points": list(item.key_points),
        "topic": item.topic,
        "difficulty": item.difficulty.value,
        "source": item.source,
        "alternate_questions": list(item.alternate_questions),
        "alternate_answers": list(item.alternate_answers),
        "alternate_sources": list(item.alternate_sources),
        "related": list(item.related),
    }


def export_items(items: Sequence[Item], fmt: str) -> str:
    """The items as a JSON array or a CSV table with a header row."""
    records = [export_record(item) for item in items]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(
                {k: " | ".join(v) if isinstance(v, list) else v for k, v in record.items()}
            )
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
