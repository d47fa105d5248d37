"""Explain: find the bank items an ask is about, or abstain when it is about none of them.

Two channels are fused. The dense one compares the ask's embedding with every text of an item
(question, alternate questions, key points, answer chunks) and keeps the best. Small sentence
models know no acronyms ("lora", "gptq"), so a lexical channel scores how much of the ask's
IDF-weighted vocabulary an item contains, after correcting typos against the bank's own words;
acronyms the bank spells out ("Low-Rank Adaptation (LoRA)") are expanded for the dense channel.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.index import ItemVectors, build_item_vectors, searchable
from bot.core.model import Item, Match
from bot.core.ports import Embedder
from bot.core.text import MENTION, STOPWORDS, clean_ask, plain_text, stem, tokens

DENSE_FLOOR = 0.20
"""Cosine at or below which the dense channel gives no evidence (unrelated texts score ~0.1)."""
DENSE_FULL = 1.0
"""Cosine at which the dense channel is certain (a verbatim question)."""
LEXICAL_WEIGHT = 0.75
"""How far lexical coverage alone can lift the score (an acronym ask has no dense evidence)."""
LEXICAL_TERMS = 3
"""Asks with more content words than this lean less on the lexical channel."""
BODY_DISCOUNT = 0.85
"""Dense similarity to key points and answer chunks counts this much of one to a question."""
THRESHOLD = 0.30
"""Top scores below this abstain; chosen on tests/data/explain_dev.yaml (see evaluation)."""

FIELD_WEIGHTS = (1.0, 0.75, 0.45)
"""Lexical credit of a word found in the question, in the key points, only in the answer."""
CORRECTED_WEIGHT = 0.85
"""A word matched only after typo correction counts a little less."""

_ACRONYM = re.compile(r"((?:[A-Za-z][\w'/-]*\s+){1,7})\(([A-Za-z][A-Za-z0-9-]{1,9})\)")


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """What explain found: ``matches`` best first; when abstained they are only the nearest."""

    query: str
    abstained: bool
    matches: tuple[Match, ...]
    nearest_topics: tuple[str, ...]


def acronyms(texts: Sequence[str]) -> dict[str, str]:
    """Acronyms the texts spell out, e.g. 'Direct Preference Optimization (DPO)' -> dpo."""
    found: dict[str, str] = {}
    for text in texts:
        for words, acronym in _ACRONYM.findall(text):
            capitals = [c for c in acronym if c.isupper()]
            if len(capitals) < 2 or acronym.lower() in found:
                continue
            parts = re.findall(r"[A-Za-z][\w']*", words)
            expansion = _initials_tail(parts, acronym)
            if expansion:
                found[acronym.lower()] = expansion
    return found


def _initials_tail(words: list[str], acronym: str) -> str:
    """The shortest tail of ``words`` whose initials spell the acronym's letters in order."""
    letters = [c.lower() for c in acronym if c.isalpha() and (c.isupper() or c == acronym[0])]
    for start in range(len(words) - 1, -1, -1):
        tail = words[start:]
        initials = [w[0].lower() for w in tail if w.lower() not in STOPWORDS or w[0].isupper()]
        if initials == letters:
            return " ".join(tail)
        if len(tail) > len(letters) + 2:
            break
    return ""


class Retriever:
    """Answers explain asks over the answered items of a bank."""

    def __init__(
        self, items: Sequence[Item], embedder: Embedder, vectors: ItemVectors | None = None
    ) -> None:
        self._items = searchable(items)
        self._embedder = embedder
        if vectors is None or not vectors.matches(items):
            vectors = build_item_vectors(items, embedder)
        self._vectors = vectors
        self._owners = vectors.owners
        heads = {q for item in self._items for q in (item.question, *item.alternate_questions)}
        # a match on how a question is asked beats one on a fragment of an answer
        self._text_weights = np.array(
            [1.0 if t in heads else BODY_DISCOUNT for t in vectors.texts], dtype=np.float32
        )
        self._fields: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []
        vocabulary: Counter[str] = Counter()
        documents: Counter[str] = Counter()
        for item in self._items:
            head_text = " ".join([item.question, *item.alternate_questions])
            body_text = " ".join([item.answer, *item.alternate_answers])
            fields = [head_text, " ".join(item.key_points), plain_text(body_text)]
            words = [tokens(f) for f in fields]
            for group in words:
                vocabulary.update(group)
            stems = [frozenset(stem(w) for w in group) for group in words]
            self._fields.append((stems[0], stems[1], stems[2]))
            documents.update(stems[0] | stems[1] | stems[2])
        n = max(len(self._items), 1)
        self._idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in documents.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocabulary = [w for w, _ in vocabulary.most_common() if len(w) >= 3]
        self._known = set(vocabulary) | STOPWORDS
        texts = [item.question for item in self._items] + [
            t for item in self._items for t in (item.answer, *item.alternate_answers)
        ]
        # spelling out an acronym most items use ("LLM") would drown the ask in it
        common = max(3, n // 10)
        self._acronyms = {
            a: x for a, x in acronyms(texts).items() if documents.get(stem(a), 0) <= common
        }

    @property
    def items(self) -> tuple[Item, ...]:
        """The searchable (answered) items."""
        return tuple(self._items)

    def correct(self, word: str) -> str:
        """The bank word a misspelt ``word`` most likely means, or ``word`` itself."""
        if word in self._known or len(word) < 5 or word.isdigit():
            return word
        cutoff = 85 if len(word) >= 7 else 90
        choices = [*self._vocabulary, *STOPWORDS]
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return str(best[0]) if best else word

    def prepare(self, query: str) -> tuple[str, list[tuple[str, bool]]]:
        """The ask as the dense channel reads it, and its content stems (flagged if corrected)."""
        words = tokens(MENTION.sub(" ", query))
        corrected = [(fixed, fixed != w) for w in words for fixed in (self.correct(w),)]
        text = clean_ask(" ".join(w for w, _ in corrected))
        stems: dict[str, bool] = {}
        for word, fixed in corrected:
            if word in STOPWORDS:
                continue
            key = stem(word)
            stems[key] = stems.get(key, True) and fixed
        expansions = [self._acronyms[w] for w, _ in corrected if w in self._acronyms]
        if len(stems) > LEXICAL_TERMS + 1:
            expansions = []  # a full question already says what it means
        dense_text = " ".join([text, *expansions]).strip()
        return dense_text, list(stems.items())

    def lexical(self, stems: Sequence[tuple[str, bool]]) -> np.ndarray:
        """Per item, the share of the ask's IDF mass found in its question, key points or answer."""
        scores = np.zeros(len(self._items), dtype=np.float64)
        if not stems:
            return scores
        weights = [self._idf.get(s, self._unknown_idf) for s, _ in stems]
        total = sum(weights)
        for index, fields in enumerate(self._fields):
            got = 0.0
            for (word, fixed), weight in zip(stems, weights, strict=True):
                credit = next(
                    (w for f, w in zip(fields, FIELD_WEIGHTS, strict=True) if word in f), 0.0
                )
                got += weight * credit * (CORRECTED_WEIGHT if fixed else 1.0)
            scores[index] = got / total
        return scores

    def dense(self, text: str) -> np.ndarray:
        """Per item, the best cosine between the ask and any of the item's texts."""
        scores = np.full(len(self._items), -1.0, dtype=np.float64)
        if not text or not len(self._owners):
            return scores
        query = self._embedder.encode([text])[0]
        sims = (self._vectors.vectors @ query) * self._text_weights
        np.maximum.at(scores, self._owners, sims.astype(np.float64))
        return scores

    def scores(self, query: str) -> np.ndarray:
        """The fused score in [0, 1] of every searchable item for ``query``."""
        dense_text, stems = self.prepare(query)
        dense = np.clip((self.dense(dense_text) - DENSE_FLOOR) / (DENSE_FULL - DENSE_FLOOR), 0, 1)
        # a long question carries its meaning in the sentence, a short ask in its terms
        weight = LEXICAL_WEIGHT * min(1.0, math.sqrt(LEXICAL_TERMS / max(len(stems), 1)))
        lexical = self.lexical(stems) * weight
        fused = 1.0 - (1.0 - dense) * (1.0 - lexical)
        return np.asarray(fused, dtype=np.float64)

    def search(self, query: str, k: int = 3) -> ExplainResult:
        """The ``k`` best items for the ask; abstained (nearest items kept) when none is close."""
        if not self._items or not clean_ask(query):
            return ExplainResult(query, True, (), ())
        fused = self.scores(query)
        order = np.argsort(-fused, kind="stable")[: max(k, 1)]
        matches = tuple(Match(self._items[i], round(float(fused[i]), 4)) for i in order)
        abstained = matches[0].score < THRESHOLD
        topics = tuple(dict.fromkeys(m.item.topic for m in matches))
        return ExplainResult(query, abstained, matches, topics)
