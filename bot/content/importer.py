"""Turn source pages into bank items: parse, merge paraphrases, tag, then apply hand-fixes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.keypoints import extract_key_points
from bot.content.merge import Group, MergeEvent, merge_questions
from bot.content.parsers import parse_source
from bot.content.schema import LIST_KEYS
from bot.content.tagging import guess_difficulty, guess_topic, slugify
from bot.core.model import Difficulty, Item
from bot.core.ports import Embedder

DEFAULT_OVERRIDES = Path(__file__).resolve().parents[2] / "content" / "overrides.yaml"
"""Hand-fixes applied on every import, so re-importing reproduces the committed bank."""

OVERRIDABLE = frozenset({"question", "answer", "topic", "difficulty", *LIST_KEYS})


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The items built from the sources and what the importer decided on the way."""

    items: tuple[Item, ...]
    merges: tuple[MergeEvent, ...]
    unused_overrides: tuple[str, ...]


def load_overrides(path: Path) -> dict[str, dict[str, Any]]:
    """Hand-fixes keyed by item id; ``{}`` when the file does not exist."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of item id -> fields to replace")
    return {str(key): value for key, value in data.items()}


def _ids(groups: Sequence[Group]) -> list[str]:
    """Slug ids from the primary questions, suffixed ``-2``, ``-3`` on collisions."""
    seen: dict[str, int] = {}
    ids = []
    for group in groups:
        base = slugify(group.primary.question)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _item(group: Group, item_id: str, ids: Sequence[str]) -> Item:
    first = group.primary
    return Item(
        id=item_id,
        question=first.question,
        answer=first.answer,
        key_points=tuple(extract_key_points(first.answer)) if first.answer else (),
        topic=guess_topic(first.question, first.section),
        difficulty=guess_difficulty(first.question, first.answer, first.section, first.level),
        source=first.source,
        alternate_questions=tuple(q.question for q in group.others),
        alternate_answers=tuple(q.answer for q in group.others if q.answer),
        alternate_sources=tuple(q.source for q in group.others),
        related=tuple(ids[i] for i in group.related),
    )


def apply_override(item: Item, fields: Mapping[str, Any]) -> Item:
    """The item with the hand-fixed fields replaced (``fold_into`` is handled by the merge)."""
    unknown = set(fields) - OVERRIDABLE - {"fold_into"}
    if unknown:
        raise ValueError(f"override for {item.id!r} has unknown fields: {sorted(unknown)}")
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "difficulty":
            changes[key] = Difficulty(value)
        elif key in LIST_KEYS:
            changes[key] = tuple(str(v) for v in value)
        elif key in OVERRIDABLE:
            changes[key] = str(value)
    return dataclasses.replace(item, **changes)


def import_sources(
    paths: Sequence[Path], embedder: Embedder, overrides: Mapping[str, Mapping[str, Any]]
) -> ImportResult:
    """Parse, merge and tag the source pages, then apply the overrides keyed by item id."""
    raw = [question for path in sorted(paths) for question in parse_source(path)]
    forced = {k: str(v["fold_into"] or "") for k, v in overrides.items() if "fold_into" in v}
    groups, merges = merge_questions(raw, embedder, forced)
    ids = _ids(groups)
    items = [_item(group, item_id, ids) for group, item_id in zip(groups, ids, strict=True)]
    used = {item.id for item in items} | {slugify(q.question) for q in raw}
    items = [apply_override(i, overrides[i.id]) if i.id in overrides else i for i in items]
    unused = tuple(sorted(key for key in overrides if key not in used))
    return ImportResult(tuple(items), tuple(merges), unused)
