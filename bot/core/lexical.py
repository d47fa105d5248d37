"""The lexical channel of explain: an inverted index of the bank's word stems.

Small sentence models know no acronyms ("lora", "gptq") and blur near-identical topics, so
words decide too. Per stem the index keeps the items using it, sorted, with the best field it
appears in (question, key points, answer) and a BM25 term weight. Scoring reads only the
postings of the ask's few stems for a set of candidate items, so it stays cheap at a million
items.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.model import Item
from bot.core.text import STOPWORDS, plain_text, stem, tokens

FIELD_WEIGHTS = (1.0, 0.75, 0.45)
"""Lexical credit of a word found in the question, in the key points, only in the answer."""
FIELD_REPEATS = (3, 2, 1)
"""BM25 counts a question word three times and a key point word twice (field boosting)."""
BM25_K1 = 1.2
BM25_B = 0.75

_HEAD_END = re.compile(
    r"[?;:]|,\s*(?:and\s+)?(?=(?:how|why|what|when|where|which|is|are)\b)|,\s+and\b"
)
"""Where the head of a question ends: its first clause ('What is KV-cache quantization' of
'..., and what are its trade-offs?')."""
_HEAD_PHRASING = frozenset(
    {"happen", "happens", "typically", "usually", "main", "key", "exactly", "versus"}
)
"""Phrasing of a question's head, not its subject ('What happens in each stage of ...')."""

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Postings:
    """Items using one stem (sorted), the field credit there and the BM25 term weight."""

    items: Ints
    credit: npt.NDArray[np.float32]
    bm25: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class LexicalScores:
    """Per candidate: IDF share of the ask found (coverage), of the question asked
    (precision), and BM25 relative to the best an item could score for this ask."""

    coverage: Floats
    precision: Floats
    bm25: Floats
    head: Floats
    """F1 of the ask's stems against the head of the item's own question (IDF-weighted): 'kv
    cache' names all of 'What is the KV cache' but not 'What is KV-cache quantization'."""


def question_head(question: str) -> list[str]:
    """The content stems of a question's first clause, its subject in most bank questions."""
    # a spelt-out acronym in brackets names the subject twice: 'Chain-of-thought (CoT) prompting'
    head = _HEAD_END.split(re.sub(r"\([^)]*\)", " ", question.lower()), maxsplit=1)[0]
    words = (w for w in tokens(head) if w not in STOPWORDS and w not in _HEAD_PHRASING)
    return list(dict.fromkeys(stem(w) for w in words))


class LexicalIndex:
    """Inverted index over the stems of items' questions, key points and answers."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.size = len(items)
        ids: dict[str, int] = {}
        vocabulary: Counter[str] = Counter()
        # flat (item, stem id, field credit, repeat-weighted count) rows, compact for big banks
        owners, keys, credits, counts = array("q"), array("q"), array("f"), array("f")
        lengths = np.zeros(len(items), dtype=np.float64)
        titles: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            for head_stem in question_head(item.question):
                titles.setdefault(head_stem, []).append(index)
            fields = (
                " ".join([item.question, *item.alternate_questions]),
                " ".join(item.key_points),
                plain_text(" ".join([item.answer, *item.alternate_answers])),
            )
            tf: dict[int, float] = {}
            credit: dict[int, float] = {}
            for text, weight, repeat in zip(fields, FIELD_WEIGHTS, FIELD_REPEATS, strict=True):
                words = tokens(text)
                vocabulary.update(words)
                for word in words:
                    key = ids.setdefault(stem(word), len(ids))
                    tf[key] = tf.get(key, 0.0) + repeat
                    credit[key] = max(credit.get(key, 0.0), weight)
            lengths[index] = sum(tf.values())
            owners.extend([index] * len(tf))
            keys.extend(tf)
            credits.extend(credit[k] for k in tf)
            counts.extend(tf.values())
        items_of = np.frombuffer(owners, dtype=np.int64)
        key_of = np.frombuffer(keys, dtype=np.int64)
        count = np.frombuffer(counts, dtype=np.float32).astype(np.float64)
        average = float(lengths.mean()) if len(items) else 1.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[items_of] / max(average, 1.0))
        bm25 = (count * (BM25_K1 + 1) / (count + norm)).astype(np.float32)
        order = np.argsort(key_of, kind="stable")  # stable: items stay sorted within a stem
        bounds = np.searchsorted(key_of[order], np.arange(len(ids) + 1))
        credit_of = np.frombuffer(credits, dtype=np.float32)
        n = max(len(items), 1)
        self.postings: dict[str, Postings] = {}
        self.idf: dict[str, float] = {}
        for word, key in ids.items():
            rows = order[bounds[key] : bounds[key + 1]]
            self.postings[word] = Postings(items_of[rows], credit_of[rows], bm25[rows])
            self.idf[word] = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.vocabulary = vocabulary
        # the IDF mass of each item's question, to tell how much of the question an ask names
        idf = np.array([self.idf[w] for w in ids], dtype=np.float64)
        heads = credit_of >= FIELD_WEIGHTS[0]
        self._head_mass = np.bincount(
            items_of[heads], weights=idf[key_of[heads]], minlength=len(items)
        ).astype(np.float64)
        self._titles = {k: np.asarray(found, dtype=np.int64) for k, found in titles.items()}
        self._title_mass = np.zeros(len(items), dtype=np.float64)
        for head_stem, found in self._titles.items():
            self._title_mass[found] += self.idf.get(head_stem, self.unknown_idf)

    def document_frequency(self, key: str) -> int:
        """How many items use the stem ``key``."""
        posting = self.postings.get(key)
        return 0 if posting is None else len(posting.items)

    def uses(self, key: str, item: int) -> bool:
        """True when item number ``item`` uses the stem ``key`` in any field."""
        credit, _ = self._lookup(key, np.array([item], dtype=np.int64))
        return bool(credit[0] > 0)

    def discover(self, stems: Sequence[str], max_postings: int) -> Ints:
        """Items using any of the rarer ask stems (postings no longer than ``max_postings``)."""
        found = [
            p.items
            for key in stems
            if (p := self.postings.get(key)) is not None and len(p.items) <= max_postings
        ]
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def _lookup(self, key: str, candidates: Ints) -> tuple[Floats, Floats]:
        """Per candidate, the field credit of stem ``key`` and its BM25 weight (0 if absent)."""
        posting = self.postings.get(key)
        if posting is None or not len(candidates):
            return np.zeros(len(candidates)), np.zeros(len(candidates))
        at = np.minimum(np.searchsorted(posting.items, candidates), len(posting.items) - 1)
        hit = posting.items[at] == candidates
        return np.where(hit, posting.credit[at], 0.0), np.where(hit, posting.bm25[at], 0.0)

    def score(
        self,
        stems: Sequence[tuple[str, bool]],
        candidates: Ints,
        corrected: float,
        aliases: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> LexicalScores:
        """Lexical scores of ``candidates`` (sorted item indices) for the ask's stems.

        ``aliases`` gives other spellings of a stem as stem sequences ('dpo': direct preference
        optimization; 'finetuned': fine tuned): an item using every stem of one counts as
        using the stem, in the weakest field of them.
        """
        size = len(candidates)
        coverage = np.zeros(size, dtype=np.float64)
        named = np.zeros(size, dtype=np.float64)
        bm25 = np.zeros(size, dtype=np.float64)
        titled = np.zeros(size, dtype=np.float64)
        weights = [self.idf.get(key, self.unknown_idf) for key, _ in stems]
        total = sum(weights) or 1.0
        for (key, fixed), weight in zip(stems, weights, strict=True):
            credit, term_bm25 = self._lookup(key, candidates)
            for alias in (aliases or {}).get(key, ()):
                found = [self._lookup(part, candidates) for part in alias]
                if found:
                    credit = np.maximum(credit, np.min([c for c, _ in found], axis=0))
                    term_bm25 = np.maximum(term_bm25, np.min([b for _, b in found], axis=0))
            if not size:
                continue
            coverage += weight * credit * (corrected if fixed else 1.0)
            in_title = self._in_title(key, candidates)
            for alias in (aliases or {}).get(key, ()):
                if alias:
                    parts = [self._in_title(part, candidates) for part in alias]
                    in_title = np.maximum(in_title, np.min(parts, axis=0))
            titled += weight * in_title
            named += weight * (credit >= FIELD_WEIGHTS[0])
            bm25 += weight * term_bm25
        head = self._head_mass[candidates] if size else np.zeros(0)
        precision = np.divide(named, head, out=np.zeros(size), where=head > 0)
        mass = (self._title_mass[candidates] if size else np.zeros(0)) + total
        f1 = np.divide(2 * titled, mass, out=np.zeros(size), where=mass > 0)
        return LexicalScores(coverage / total, precision, bm25 / (total * (BM25_K1 + 1)), f1)

    def _in_title(self, key: str, candidates: Ints) -> Floats:
        """1.0 for the candidates whose question head has the stem ``key``, else 0.0."""
        found = self._titles.get(key)
        if found is None or not len(candidates):
            return np.zeros(len(candidates))
        at = np.minimum(np.searchsorted(found, candidates), len(found) - 1)
        hit: Floats = (found[at] == candidates).astype(np.float64)
        return hit
