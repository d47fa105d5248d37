"""Turn source pages into bank items: parse, merge paraphrases, tag, then apply hand-fixes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.authored import AUTHORED_SOURCE
from bot.content.formulas import render_formulas
from bot.content.keypoints import extract_key_points
from bot.content.merge import Group, MergeEvent, embed, merge_questions
from bot.content.parsers import parse_source
from bot.content.schema import LIST_KEYS, ContentError, Entry, Problem
from bot.content.tagging import fit_difficulty, guess_difficulty, guess_topic, slugify
from bot.core.model import Difficulty, Item
from bot.core.ports import Embedder

DEFAULT_OVERRIDES = Path(__file__).resolve().parents[2] / "content" / "overrides.yaml"
"""Hand-fixes applied on every import, so re-importing reproduces the committed bank."""

OVERRIDABLE = frozenset({"question", "answer", "topic", "difficulty", *LIST_KEYS})
AUTHORED_DUPLICATE = 0.85
"""Question cosine at which an authored item repeats an imported one (lint's near-duplicate
threshold): authored questions are written on purpose, so 'Why does beam search often produce
worse text than sampling?' (0.80 to 'How does beam search improve text generation compared to
greedy decoding?') is a question of its own, not a paraphrase to fold as pages are at 0.80."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The items built from the sources and what the importer decided on the way."""

    items: tuple[Item, ...]
    merges: tuple[MergeEvent, ...]
    unused_overrides: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()
    """Authored items left out because an imported item already asks their question."""
    downgraded: tuple[tuple[str, str, str], ...] = ()
    """(id, difficulty given, difficulty kept) where the answer is too short for the rating."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An authored item that repeats an imported question (``related`` ids are redirected)."""

    entry: Entry
    duplicate_of: str
    score: float

    def __str__(self) -> str:
        return (
            f"{self.entry.file}:{self.entry.line}: skipped authored {self.entry.item.id!r}: "
            f"an imported item asks the same question ({self.duplicate_of!r}, similarity "
            f"{self.score:.2f}); delete it or reword it to ask something else"
        )


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
        key_points=tuple(extract_key_points(render_formulas(first.answer))) if first.answer else (),
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


def clean_item(item: Item) -> Item:
    """The item as members should read it: formulas as Unicode text, and a difficulty its
    answer is deep enough for."""
    return dataclasses.replace(
        item,
        question=render_formulas(item.question),
        answer=render_formulas(item.answer),
        key_points=tuple(render_formulas(p) for p in item.key_points),
        alternate_questions=tuple(render_formulas(q) for q in item.alternate_questions),
        alternate_answers=tuple(render_formulas(a) for a in item.alternate_answers),
        difficulty=fit_difficulty(item.difficulty, item.answer),
    )


def add_authored(
    imported: Sequence[Item], authored: Sequence[Entry], embedder: Embedder
) -> tuple[list[Item], list[Skipped]]:
    """The imported items followed by the authored ones that ask something new.

    An authored id already used by an imported item is an error (ContentError, with file and
    line); an authored question that an imported item asks too (question similarity at least
    ``AUTHORED_DUPLICATE``) is skipped, and ``related`` ids naming it are redirected.
    """
    taken = {item.id: item for item in imported}
    clashes = [
        Problem(
            str(e.file),
            e.lines.get("id", e.line),
            "error",
            f"id {e.item.id!r} is already used by an item imported from "
            f"{taken[e.item.id].source}; choose another id",
        )
        for e in authored
        if e.item.id in taken
    ]
    if clashes:
        raise ContentError(clashes)
    if not authored:
        return list(imported), []
    heads = [(item.id, q) for item in imported for q in (item.question, *item.alternate_questions)]
    known = embed(embedder, [q for _, q in heads])
    new = embed(embedder, [e.item.question for e in authored])
    skipped: list[Skipped] = []
    if len(heads):
        scores = new @ known.T
        for row, entry in enumerate(authored):
            best = int(scores[row].argmax())
            if float(scores[row, best]) >= AUTHORED_DUPLICATE:
                skipped.append(Skipped(entry, heads[best][0], float(scores[row, best])))
    redirect = {s.entry.item.id: s.duplicate_of for s in skipped}
    kept = [e.item for e in authored if e.item.id not in redirect]
    kept = [
        dataclasses.replace(i, related=tuple(dict.fromkeys(redirect.get(r, r) for r in i.related)))
        for i in kept
    ]
    return [*imported, *kept], skipped


def fold_into_authored(items: Sequence[Item], forced: Mapping[str, str]) -> list[Item]:
    """The items without those an override folds into an authored item (``fold_into:
    <authored id>``, e.g. a thin imported question the team wrote up in depth): the authored
    item keeps their questions and answers as alternates, and ``related`` ids follow them."""
    by_id = {item.id: item for item in items}
    folds = {
        old: new
        for old, new in forced.items()
        if old in by_id and new in by_id and by_id[new].source == AUTHORED_SOURCE
    }
    kept = []
    for item in items:
        if item.id in folds:
            continue
        folded = [by_id[old] for old, new in folds.items() if new == item.id]
        if folded:
            item = dataclasses.replace(
                item,
                alternate_questions=(
                    *item.alternate_questions,
                    *(q for f in folded for q in (f.question, *f.alternate_questions)),
                ),
                alternate_answers=(
                    *item.alternate_answers,
                    *(a for f in folded for a in (f.answer, *f.alternate_answers) if a),
                ),
                alternate_sources=(
                    *item.alternate_sources,
                    *(s for f in folded for s in (f.source, *f.alternate_sources)),
                ),
            )
        related = (folds.get(r, r) for r in item.related)
        kept.append(
            dataclasses.replace(
                item, related=tuple(dict.fromkeys(r for r in related if r != item.id))
            )
        )
    return kept


def import_sources(
    paths: Sequence[Path],
    embedder: Embedder,
    overrides: Mapping[str, Mapping[str, Any]],
    authored: Sequence[Entry] = (),
) -> ImportResult:
    """Parse, merge and tag the source pages, add the authored items, apply the overrides
    keyed by item id, and clean every item (formulas, difficulty)."""
    raw = [question for path in sorted(paths) for question in parse_source(path)]
    forced = {k: str(v["fold_into"] or "") for k, v in overrides.items() if "fold_into" in v}
    groups, merges = merge_questions(raw, embedder, forced)
    ids = _ids(groups)
    items = [_item(group, item_id, ids) for group, item_id in zip(groups, ids, strict=True)]
    items, skipped = add_authored(items, authored, embedder)
    items = fold_into_authored(items, forced)
    used = {item.id for item in items} | {slugify(q.question) for q in raw}
    items = [apply_override(i, overrides[i.id]) if i.id in overrides else i for i in items]
    unused = tuple(sorted(key for key in overrides if key not in used))
    cleaned = [clean_item(item) for item in items]
    downgraded = tuple(
        (old.id, old.difficulty.value, new.difficulty.value)
        for old, new in zip(items, cleaned, strict=True)
        if old.difficulty != new.difficulty
    )
    return ImportResult(tuple(cleaned), tuple(merges), unused, tuple(skipped), downgraded)
