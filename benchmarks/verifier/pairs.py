"""Labelled (key point, answer text) pairs for training the verifier, made from the bank.

Three labels: the text *entails* the key point (states it, in any words), *contradicts* it,
or is *neutral* to it (about something else). From each answered bank item:

- entails: the reference answer's piece most similar to each key point (and the alternate
  answers' pieces close to it): the author's own words for the point;
- contradicts: that piece against the key point with one edit of ``bot.verifier.perturb``
  (negated, reversed, entities swapped, number changed), and, for a short piece, the piece
  edited against the key point as it stands;
- neutral: the pieces least like the key point, and a piece of another item of the topic.

The hand-written tuning split ``tests/data/grading_set.yaml`` (never the held-out split) adds
members' answers: complete, partial, four kinds of contradiction, topical but wrong, echo.
Every choice is seeded, so the same bank gives the same pairs.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from benchmarks.verifier.perturb import EDITS, entities_of, touches
from bot.core.grading import pieces
from bot.core.model import Item
from bot.core.ports import Embedder

ENTAILS, CONTRADICTS, NEUTRAL = 0, 1, 2
LABELS = ("entails", "contradicts", "neutral")
ALIGNED_AT = 0.45
"""Cosine at which a reference piece is taken to state a key point."""
UNRELATED_BELOW = 0.30
"""Cosine under which a reference piece is taken to be about something else."""
SHORT_WORDS = 28
EDITS_PER_POINT = 2
"""Edited copies of a key point made per point (of the kinds that apply, in a seeded order)."""
"""A piece this short is mostly its point, so an edit of it contradicts the point."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One training example: a key point, a member-like text, and the label."""

    point: str
    text: str
    label: int
    origin: str
    """What made it (bank:entails, bank:negation, set:partial, ...), for the recipe's report."""


def bank_pairs(items: Sequence[Item], embedder: Embedder, seed: int = 0) -> list[Pair]:
    """Pairs made from the reference answers of ``items`` (see the module docstring)."""
    rng = random.Random(seed)
    answered = [item for item in items if not item.is_prompt and item.key_points]
    by_topic: dict[str, list[str]] = {}
    cut: dict[str, list[str]] = {}
    for item in answered:
        cut[item.id] = pieces(item.answer, most=12)
        by_topic.setdefault(item.topic, []).extend(cut[item.id])
    out: list[Pair] = []
    for item in answered:
        parts = cut[item.id]
        if not parts:
            continue
        points = list(item.key_points)
        vectors = embedder.encode([*points, *parts])
        sims = vectors[len(points) :] @ vectors[: len(points)].T  # pieces x points
        entities = entities_of(" ".join((item.question, item.answer)))
        twins = [p for alt in item.alternate_answers for p in pieces(alt, most=12)]
        twin_sims = embedder.encode(twins) @ vectors[: len(points)].T if twins else np.zeros((0, 1))
        for k, point in enumerate(points):
            best = int(np.argmax(sims[:, k]))
            if float(sims[best, k]) >= ALIGNED_AT:
                piece = parts[best]
                out.append(Pair(point, piece, ENTAILS, "bank:entails"))
                kinds = list(EDITS.items())
                rng.shuffle(kinds)
                made = 0
                for kind, edit in kinds:
                    wrong = edit(point, entities)
                    if wrong and wrong != point and made < EDITS_PER_POINT:
                        out.append(Pair(wrong, piece, CONTRADICTS, f"bank:{kind}"))
                        made += 1
                for kind, edit in kinds:
                    edited = edit(piece, entities) if len(piece.split()) <= SHORT_WORDS else None
                    if edited and edited != piece and touches(piece, edited, point):
                        out.append(Pair(point, edited, CONTRADICTS, f"bank:{kind}-text"))
                        break
            if twins:
                near = int(np.argmax(twin_sims[:, k]))
                if float(twin_sims[near, k]) >= ALIGNED_AT + 0.1:
                    out.append(Pair(point, twins[near], ENTAILS, "bank:twin"))
            far = [j for j in np.argsort(sims[:, k]) if float(sims[j, k]) < UNRELATED_BELOW]
            for j in far[:1]:
                out.append(Pair(point, parts[int(j)], NEUTRAL, "bank:other-piece"))
            others = [p for p in by_topic[item.topic] if p not in parts]
            if others:
                out.append(Pair(point, rng.choice(others), NEUTRAL, "bank:other-item"))
    return out


def set_pairs(
    rows: Iterable[Mapping[str, object]], items: Mapping[str, Item], embedder: Embedder
) -> list[Pair]:
    """Pairs from a hand-written grading set (the tuning split): members' own answers."""
    out: list[Pair] = []
    for row in rows:
        item = items.get(str(row["item"]))
        if item is None or not item.key_points:
            continue
        points = list(item.key_points)
        good = pieces(str(row["good"]), most=12)
        vectors = embedder.encode([*points, *good])
        sims = vectors[len(points) :] @ vectors[: len(points)].T
        for k, point in enumerate(points):
            best = int(np.argmax(sims[:, k]))
            if float(sims[best, k]) >= ALIGNED_AT - 0.1:
                out.append(Pair(point, good[best], ENTAILS, "set:good"))
        partial = row["partial"]
        assert isinstance(partial, Mapping)
        target = int(partial["point"])
        for k, point in enumerate(points):
            label = ENTAILS if k == target else NEUTRAL
            out.append(Pair(point, str(partial["text"]), label, "set:partial"))
        wrong = row.get("contradictions") or {}
        assert isinstance(wrong, Mapping)
        for kind, case in wrong.items():
            if not isinstance(case, Mapping):
                continue
            out.append(
                Pair(points[int(case["point"])], str(case["text"]), CONTRADICTS, f"set:{kind}")
            )
        for kind in ("topical_wrong", "echo", "keywords"):
            if row.get(kind):
                for point in points:
                    out.append(Pair(point, str(row[kind]), NEUTRAL, f"set:{kind}"))
    return out


def training_pairs(
    items: Sequence[Item], embedder: Embedder, tuning_set: Path | None, seed: int = 0
) -> list[Pair]:
    """Every pair of the recipe, de-duplicated, in a seeded order."""
    pairs = bank_pairs(items, embedder, seed)
    if tuning_set is not None and tuning_set.exists():
        rows = yaml.safe_load(tuning_set.read_text()) or []
        pairs += set_pairs(rows, {item.id: item for item in items}, embedder)
    unique = list({(p.point, p.text): p for p in pairs}.values())
    random.Random(seed).shuffle(unique)
    return unique
