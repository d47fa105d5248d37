"""The texts of the bank the retriever embeds, and their vectors (one row per text)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.core.model import Item
from bot.core.ports import Embedder, Vectors

ANSWER_CHUNK_CHARS = 400
"""Answers are embedded in chunks of about this size (a whole answer blurs into one vector)."""

Encode = Callable[[Sequence[str]], Vectors]
"""Something that turns texts into unit vectors: ``embedder.encode`` or a cached wrapper of it."""


@dataclass(frozen=True, slots=True)
class ItemVectors:
    """Vectors of every text describing the searchable items; ``owners[r]`` indexes ``item_ids``."""

    item_ids: tuple[str, ...]
    texts: tuple[str, ...]
    owners: npt.NDArray[np.int64]
    vectors: Vectors

    def extended(self, more: ItemVectors) -> ItemVectors:
        """These vectors followed by ``more``'s (items of ``more`` come after these)."""
        return ItemVectors(
            item_ids=self.item_ids + more.item_ids,
            texts=self.texts + more.texts,
            owners=np.concatenate([self.owners, more.owners + len(self.item_ids)]),
            vectors=np.vstack([self.vectors, more.vectors]).astype(np.float32),
        )

    def matches(self, items: Sequence[Item]) -> bool:
        """True when these vectors were computed for exactly these items' texts."""
        ids, texts, _ = item_texts(items)
        return ids == self.item_ids and texts == self.texts


def searchable(items: Sequence[Item]) -> list[Item]:
    """The items explain may return: answered ones (discussion prompts have nothing to show)."""
    return [item for item in items if not item.is_prompt]


def _plain(markdown: str) -> str:
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"[*_`#>|]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def answer_chunks(answer: str, size: int = ANSWER_CHUNK_CHARS) -> list[str]:
    """Split a Markdown answer into sentence-aligned chunks of roughly ``size`` characters."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", answer) if _plain(s)]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        piece = _plain(sentence)
        if current and len(current) + len(piece) > size:
            chunks.append(current)
            current = ""
        current = f"{current} {piece}".strip()
    if current:
        chunks.append(current)
    return chunks


def item_texts(items: Sequence[Item]) -> tuple[tuple[str, ...], tuple[str, ...], list[int]]:
    """Ids of the searchable items, the texts describing them and each text's owner index."""
    ids: list[str] = []
    texts: list[str] = []
    owners: list[int] = []
    for index, item in enumerate(searchable(items)):
        ids.append(item.id)
        own = [item.question, *item.alternate_questions, *item.key_points]
        own += answer_chunks(item.answer)
        for answer in item.alternate_answers:
            own += answer_chunks(answer)
        for text in dict.fromkeys(t.strip() for t in own if t.strip()):
            texts.append(text)
            owners.append(index)
    return tuple(ids), tuple(texts), owners


def build_item_vectors(
    items: Sequence[Item], embedder: Embedder, encode: Encode | None = None
) -> ItemVectors:
    """Embed every searchable item's texts (through ``encode``, e.g. a cache, when given)."""
    ids, texts, owners = item_texts(items)
    vectors = (encode or embedder.encode)(list(texts))
    return ItemVectors(
        item_ids=ids,
        texts=texts,
        owners=np.asarray(owners, dtype=np.int64),
        vectors=np.asarray(vectors, dtype=np.float32),
    )


class VectorIndex(Protocol):
    """Nearest rows of a matrix of unit vectors to a query (exact or approximate)."""

    def search(self, query: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Vectors]:
        """Up to ``k`` (row indices, cosine similarities) of the rows closest to ``query``."""
        ...


class ExactIndex:
    """Brute-force cosine over all rows: exact, and fastest for a bank-sized matrix."""

    def __init__(self, vectors: Vectors) -> None:
        self.vectors = vectors

    def search(self, query: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Vectors]:
        """All rows when ``k`` covers them, else the ``k`` best (unordered)."""
        sims = np.asarray(self.vectors @ query, dtype=np.float32)
        if k >= len(sims):
            return np.arange(len(sims), dtype=np.int64), sims
        rows = np.argpartition(-sims, k)[:k].astype(np.int64)
        return rows, sims[rows]
