"""Explain: find the bank items an ask is about, or abstain when it is about none of them.

Two channels are fused. The dense one compares the ask's embedding with every text of an item
(question, alternate questions, key points, answer chunks): the best text counts, and the mean
of the best few. Small sentence models know no acronyms ("lora", "gptq") and blur close topics,
so a lexical channel (bot.core.lexical) scores how much of the ask's IDF-weighted vocabulary an
item contains, how much of the item's question the ask names, and BM25, after correcting typos
against the bank's own words; acronyms the bank spells out ("Low-Rank Adaptation (LoRA)") are
expanded for the dense channel. A short ask that names the head of an item's question and
little else ('kv cache': 'What is the KV cache, ...') prefers it to items whose heads add
qualifiers ('What is KV-cache quantization, ...'): the general item first. Small banks are
scored exhaustively; above ``EXACT_ROWS`` texts only the candidates of a vector index (ANN) and
of the ask's rarer words are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.core.index import ExactIndex, ItemVectors, VectorIndex, build_item_vectors, searchable
from bot.core.intent import ask_intent, mismatch, question_intent
from bot.core.lexical import LexicalIndex
from bot.core.model import Item, Match
from bot.core.ports import Embedder, Vectors
from bot.core.text import MENTION, STOPWORDS, clean_ask, stem, tokens

DENSE_FLOOR = 0.20
"""Cosine at or below which the dense channel gives no evidence (unrelated texts score ~0.1)."""
DENSE_FULL = 1.0
"""Cosine at which the dense channel is certain (a verbatim question)."""
BODY_DISCOUNT = 0.90
"""Dense similarity to key points and answer chunks counts this much of one to a question."""
TOP_TEXTS = 3
TOP_TEXTS_SHARE = 0.40
"""Share of the dense score given to the mean of an item's ``TOP_TEXTS`` best texts (an item
many of whose texts match the ask beats one with a single lucky sentence)."""
LEXICAL_WEIGHT = 0.75
"""How far lexical coverage alone can lift the score (an acronym ask has no dense evidence)."""
LEXICAL_TERMS = 3
"""Asks with more content words than this lean less on the lexical channel."""
PRECISION_WEIGHT = 0.20
"""Bonus for naming most of an item's question ('preference alignment' means the general
item, not 'evaluating preference alignment'), scaled by the lexical evidence."""
BM25_WEIGHT = 0.20
"""Bonus for BM25 (term frequency, field boosted), scaled by the lexical evidence."""
HEAD_WEIGHT = 0.10
"""Bonus for a short ask naming the head of an item's question and little else ('kv cache' is
'What is the KV cache', not 'What is KV-cache quantization'): the general item first."""
CORRECTED_WEIGHT = 0.85
"""A word matched only after typo correction counts a little less."""
INTENT_PENALTY = 0.05
"""Share of the score a question of another kind than the ask wants loses ('why quantize?'
means 'Why quantize LLMs?', not 'What is quantization?'; see bot.core.intent)."""
THRESHOLD = 0.20
"""Top scores below this abstain; chosen on tests/data/explain_dev.yaml (see evaluation)."""
WEAK_SCORE = 0.30
"""Top scores below this (and above ``THRESHOLD``) are weak matches, shown as 'nearest', never
as the answer: on the dev asks 3 right answers score below it, against 5 of 8 asks about
topics the bank lacks ('continuous batching' 0.25, 'scaling laws' 0.27)."""
RARE_ITEMS = 1
"""A short ask naming a word at most this many items use, which the best match lacks, is a
weak match: 'speculative decoding' found beam search (32 %) on 'decoding' alone, 'flash
attention' the generic attention item (36 %)."""
RELATED_CLOSE = 0.60
RELATED_SIMILAR = 0.40
RELATED_SHARED = 3
"""An item is related to an answer when their texts are close (mean-vector cosine at least
``RELATED_CLOSE``) and they share a key term, or fairly close (``RELATED_SIMILAR``) and share
``RELATED_SHARED`` key terms: the quantization items under GPTQ, top-k/top-p sampling under
beam search; not GPT-4 vs GPT-3 under GPTQ (one letter apart, no idea in common)."""
KEY_TERM_SHARE = 8
"""Key terms are the question and key point stems used by at most 1/8 of the items (3 at
least): 'llm', 'model' and 'train' say nothing about an item's idea."""

EXACT_ROWS = 5_000
"""Up to this many embedded texts every item is scored; above, a vector index finds candidates
(at 10,000 texts scoring every item took 1.6x the query encode, the index 1.15x)."""
NEIGHBOURS = 64
"""Texts asked of the vector index above ``EXACT_ROWS``."""
DISCOVER_POSTINGS = 512
"""Above ``EXACT_ROWS``, ask words used by at most this many items also nominate candidates."""

Floats = npt.NDArray[np.float64]

_ACRONYM = re.compile(r"((?:[A-Za-z][\w'/-]*\s+){1,7})\(([A-Za-z][A-Za-z0-9-]{1,9})\)")


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """What explain found: ``matches`` best first; when abstained they are only the nearest."""

    query: str
    abstained: bool
    matches: tuple[Match, ...]
    nearest_topics: tuple[str, ...]
    weak: bool = False
    """Not abstained, but the best match is not about what was asked: show it as nearest."""
    missing: tuple[str, ...] = ()
    """Words of the ask the best match does not contain (why it is weak), as typed."""
    related: tuple[Match, ...] = ()
    """Items on the same idea as the best match (not merely the same topic), best first."""


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
        self,
        items: Sequence[Item],
        embedder: Embedder,
        vectors: ItemVectors | None = None,
        *,
        index: VectorIndex | None = None,
        indexed_rows: int | None = None,
    ) -> None:
        self._items = searchable(items)
        self._embedder = embedder
        if vectors is None or not vectors.matches(items):
            vectors = build_item_vectors(items, embedder)
        self._vectors = vectors
        self._owners = vectors.owners
        self._exact = len(vectors.texts) <= EXACT_ROWS
        self._index: VectorIndex = index or ExactIndex(vectors.vectors)
        # rows added after a vector index was built (live items) are scored exactly
        self._ann = index is not None
        whole = indexed_rows is None or index is None
        self._indexed = len(vectors.texts) if whole or indexed_rows is None else indexed_rows
        self._tail = np.unique(self._owners[self._indexed :]).astype(np.int64)
        self._position = {item.id: n for n, item in enumerate(self._items)}
        # texts of one item are consecutive rows: item i owns rows _starts[i]:_starts[i + 1]
        self._starts = np.searchsorted(self._owners, np.arange(len(self._items) + 1))
        heads = {q for item in self._items for q in (item.question, *item.alternate_questions)}
        # a match on how a question is asked beats one on a fragment of an answer
        self._text_weights = np.array(
            [1.0 if t in heads else BODY_DISCOUNT for t in vectors.texts], dtype=np.float32
        )
        # items grouped by the kind of their question, for the intent penalty
        kinds = [question_intent(item.question) for item in self._items]
        self._kinds = sorted(set(kinds), key=str)
        self._kind_of = np.array([self._kinds.index(k) for k in kinds], dtype=np.int16)
        self._lexical = LexicalIndex(self._items)
        vocabulary = self._lexical.vocabulary
        self._vocabulary = [w for w, _ in vocabulary.most_common() if len(w) >= 3]
        self._known = set(vocabulary) | STOPWORDS
        self._choices = [*self._vocabulary, *sorted(STOPWORDS)]
        self._forms: dict[str, list[str]] = {}
        # per stem, the bank's words with it, most frequent first (the forms the dense model saw)
        for word in self._vocabulary:
            self._forms.setdefault(stem(word), []).append(word)
        texts = [item.question for item in self._items] + [
            t for item in self._items for t in (item.answer, *item.alternate_answers)
        ]
        # spelling out an acronym most items use ("LLM") would drown the ask in it
        common = max(3, len(self._items) // 10)
        self._acronyms = {
            a: x
            for a, x in acronyms(texts).items()
            if self._lexical.document_frequency(stem(a)) <= common
        }
        self._key_terms: dict[int, frozenset[str]] = {}

    def with_items(self, items: Sequence[Item]) -> Retriever:
        """A retriever over these items and ``items`` (those not here yet): only their texts
        are embedded; a large bank's vector index is kept and the new rows scored exactly."""
        new = [item for item in searchable(items) if item.id not in self._position]
        if not new:
            return self
        grown = self._vectors.extended(build_item_vectors(new, self._embedder))
        index = self._index if self._ann else None
        return Retriever(
            [*self._items, *new], self._embedder, grown, index=index, indexed_rows=self._indexed
        )

    @property
    def items(self) -> tuple[Item, ...]:
        """The searchable (answered) items."""
        return tuple(self._items)

    def correct(self, word: str) -> str:
        """The bank word a misspelt ``word`` most likely means, or ``word`` itself."""
        if word in self._known or len(word) < 5 or word.isdigit():
            return word
        forms = self._forms.get(stem(word))
        if forms:  # another form of a bank word: 'pretrain', 'quantisation' (the closest one:
            # 'tokenisation' is 'tokenization', not the commoner 'tokens')
            closest = process.extractOne(word, forms, scorer=fuzz.ratio)
            return str(closest[0]) if closest else forms[0]
        cutoff = 85 if len(word) >= 7 else 90
        best = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best:
            return str(best[0])
        if self.spellings(word):
            return word
        return self.expand_prefix(word) or word

    def expand_prefix(self, part: str) -> str | None:
        """The bank's most frequent word an abbreviation stands for ('params', 'seq'), if any."""
        head = part[:-1] if part.endswith("s") and len(part) > 4 else part
        if len(head) < 3 or head in self._known:
            return None
        for word in self._vocabulary:  # most frequent first
            if word.startswith(head) and len(word) >= len(head) + 2 and word not in STOPWORDS:
                return word
        return None

    def spellings(self, word: str) -> list[str]:
        """Other spellings of an ask word in the bank's words: the expansion of an acronym the
        bank spells out, a compound split ('finetuned': 'fine tuned'), 'x2y' as 'x to y'."""
        found = []
        if word in self._acronyms:
            found.append(self._acronyms[word])
        if (pair := re.fullmatch(r"([a-z]{2,})2([a-z]{2,})", word)) is not None:
            parts = [p if p in self._known else self.expand_prefix(p) for p in pair.groups()]
            if all(parts):
                found.append(f"{parts[0]} to {parts[1]}")
        for cut in range(3, len(word) - 2):
            head, tail = word[:cut], word[cut:]
            if all(w in self._lexical.vocabulary and w not in STOPWORDS for w in (head, tail)):
                found.append(f"{head} {tail}")
                break
        return found

    def prepare(
        self, query: str
    ) -> tuple[str, list[tuple[str, bool]], dict[str, list[tuple[str, ...]]]]:
        """The ask as the dense channel reads it, its content stems (flagged if corrected) and
        the other spellings of some of them, as stem sequences."""
        words = tokens(MENTION.sub(" ", query))
        corrected = [(fixed, fixed != w) for w in words for fixed in (self.correct(w),)]
        text = clean_ask(" ".join(w for w, _ in corrected))
        stems: dict[str, bool] = {}
        aliases: dict[str, list[tuple[str, ...]]] = {}
        expansions = []
        for word, fixed in corrected:
            if word in STOPWORDS:
                continue
            key = stem(word)
            stems[key] = stems.get(key, True) and fixed
            for spelling in self.spellings(word):
                expansions.append(spelling)
                parts = tuple(stem(w) for w in tokens(spelling) if w not in STOPWORDS)
                aliases.setdefault(key, []).append(parts)
        if len(stems) > LEXICAL_TERMS + 1:
            expansions = []  # a full question already says what it means
        dense_text = " ".join([text, *expansions]).strip()
        return dense_text, list(stems.items()), aliases

    def candidates(self, query: Vectors | None, stems: Sequence[str]) -> npt.NDArray[np.int64]:
        """Sorted indices of the items worth scoring: all of a small bank, else those near
        the ask's vector or using one of its rarer words."""
        if self._exact:
            return np.arange(len(self._items), dtype=np.int64)
        found = [self._lexical.discover(stems, DISCOVER_POSTINGS), self._tail]
        if query is not None:
            rows, _ = self._index.search(query, NEIGHBOURS)
            found.append(self._owners[rows])
        return np.unique(np.concatenate(found))

    def dense(self, query: Vectors | None, candidates: npt.NDArray[np.int64]) -> Floats:
        """Per candidate, the best (discounted) cosine of its texts blended with its top few."""
        size = len(candidates)
        if query is None or not size:
            return np.full(size, -1.0)
        starts, ends = self._starts[candidates], self._starts[candidates + 1]
        counts = ends - starts
        local = np.repeat(np.arange(size), counts)
        rows = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        rows += np.repeat(starts, counts)
        if size == len(self._items):  # every item: one product, no gather of the matrix
            weighted = (self._vectors.vectors @ query) * self._text_weights
        else:
            weighted = (self._vectors.vectors[rows] @ query) * self._text_weights[rows]
        best = np.full(size, -1.0)
        np.maximum.at(best, local, weighted)
        order = np.lexsort((-weighted, local))
        rank = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
        keep = order[rank < TOP_TEXTS]
        total = np.bincount(local[keep], weights=weighted[keep], minlength=size)
        taken = np.minimum(counts, TOP_TEXTS)
        top = np.divide(total, taken, out=np.full(size, -1.0), where=taken > 0)
        blended: Floats = (1 - TOP_TEXTS_SHARE) * best + TOP_TEXTS_SHARE * top
        return blended

    def scored(
        self, query: str, hidden: Collection[str] = ()
    ) -> tuple[npt.NDArray[np.int64], Floats]:
        """Candidate item indices for ``query`` (none of the ``hidden`` ids) and their fused
        scores in [0, 1]."""
        dense_text, stems, aliases = self.prepare(query)
        vector = self._embedder.encode([dense_text])[0] if dense_text else None
        candidates = self.candidates(vector, [s for s, _ in stems])
        if hidden:
            left_out = [self._position[i] for i in hidden if i in self._position]
            candidates = candidates[~np.isin(candidates, left_out)]
        raw = self.dense(vector, candidates)
        dense = np.clip((raw - DENSE_FLOOR) / (DENSE_FULL - DENSE_FLOOR), 0, 1)
        lexical = self._lexical.score(stems, candidates, CORRECTED_WEIGHT, aliases)
        # a long question carries its meaning in the sentence, a short ask in its terms
        weight = LEXICAL_WEIGHT * min(1.0, math.sqrt(LEXICAL_TERMS / max(len(stems), 1)))
        evidence = lexical.coverage * weight
        fused = 1.0 - (1.0 - dense) * (1.0 - evidence)
        bonus = (PRECISION_WEIGHT * lexical.precision + BM25_WEIGHT * lexical.bm25) * evidence
        wanted = ask_intent(query)
        other = np.zeros(len(candidates), dtype=bool)
        if wanted is not None:
            kinds = np.array([mismatch(wanted, kind) for kind in self._kinds], dtype=bool)
            other = kinds[self._kind_of[candidates]]
        if len(stems) <= LEXICAL_TERMS:  # the general item: its question's head, if of the kind
            bonus += HEAD_WEIGHT * np.where(other, 0.0, lexical.head) * evidence
        total = (fused + bonus) / (1.0 + PRECISION_WEIGHT + BM25_WEIGHT)
        total = np.where(other, total * (1.0 - INTENT_PENALTY), total)
        return candidates, np.asarray(total, dtype=np.float64)

    def scores(self, query: str) -> Floats:
        """The fused score in [0, 1] of every searchable item for ``query`` (0 if not scored)."""
        candidates, fused = self.scored(query)
        scores = np.zeros(len(self._items), dtype=np.float64)
        scores[candidates] = fused
        return scores

    def search(self, query: str, k: int = 3, hidden: Collection[str] = ()) -> ExplainResult:
        """The ``k`` best items for the ask; abstained (nearest items kept) when none is close.

        ``hidden`` ids are never returned (live items of another workspace).
        """
        if not self._items or not clean_ask(query):
            return ExplainResult(query, True, (), ())
        candidates, fused = self.scored(query, hidden)
        order = np.argsort(-fused, kind="stable")[: max(k, 1)]
        matches = tuple(
            Match(self._items[int(candidates[i])], round(float(fused[i]), 4)) for i in order
        )
        abstained = not matches or matches[0].score < THRESHOLD
        topics = tuple(dict.fromkeys(m.item.topic for m in matches))
        if abstained:
            return ExplainResult(query, True, matches, topics)
        best = int(candidates[int(order[0])])
        missing = self.missing_words(query, best)
        weak = bool(missing) or matches[0].score < WEAK_SCORE
        related = () if weak else self.related(best, max(k - 1, 0), hidden)
        return ExplainResult(query, False, matches, topics, weak, missing, related)

    def missing_words(self, query: str, index: int) -> tuple[str, ...]:
        """Words of a short ask that the bank hardly uses and item ``index`` lacks (typos,
        acronyms and compounds the bank spells otherwise are not missing)."""
        _, stems, _ = self.prepare(query)
        if len(stems) > LEXICAL_TERMS:  # a full question: its other words are phrasing
            return ()
        missing = []
        for word in tokens(MENTION.sub(" ", query)):
            if word in STOPWORDS or len(word) < 3 or self.correct(word) != word:
                continue
            split = re.fullmatch(r"([a-z]+)-?(\d+)", word)  # 'gpt4' is 'GPT-4'
            if self.spellings(word) or (split and split.group(1) in self._known):
                continue
            key = stem(word)
            rare = self._lexical.document_frequency(key) <= RARE_ITEMS
            if rare and not self._lexical.uses(key, index) and word not in self._text(index):
                missing.append(word)  # (in the text: part of a compound, 'FlashAttention')
        return tuple(dict.fromkeys(missing))

    def _text(self, index: int) -> str:
        """All of item ``index``'s text, lower-cased."""
        item = self._items[index]
        parts = [item.question, *item.alternate_questions, *item.key_points, item.answer]
        return " ".join(parts).lower()

    def related(
        self, index: int, limit: int = 2, hidden: Collection[str] = ()
    ) -> tuple[Match, ...]:
        """Up to ``limit`` items on the same idea as item ``index`` (score: text similarity),
        none of the ``hidden`` ids."""
        if limit <= 0:
            return ()
        centre = self._centroid(index)
        rows, _ = self._index.search(centre.astype(np.float32), NEIGHBOURS)
        terms = self.key_terms(index)
        found = []
        near = np.concatenate([self._owners[rows], self._tail])
        for other in np.unique(near).tolist():
            if other == index or self._items[other].id in hidden:
                continue
            similarity = float(self._centroid(other) @ centre)
            shared = len(terms & self.key_terms(other))
            if (similarity >= RELATED_CLOSE and shared) or (
                similarity >= RELATED_SIMILAR and shared >= RELATED_SHARED
            ):
                found.append(Match(self._items[other], round(similarity, 4)))
        return tuple(sorted(found, key=lambda m: -m.score)[:limit])

    def _centroid(self, index: int) -> Floats:
        """The unit mean of item ``index``'s text vectors."""
        rows = self._vectors.vectors[self._starts[index] : self._starts[index + 1]]
        mean = np.asarray(rows.mean(axis=0), dtype=np.float64)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean

    def key_terms(self, index: int) -> frozenset[str]:
        """The stems of item ``index``'s questions and key points that few items use."""
        if index not in self._key_terms:
            item = self._items[index]
            text = " ".join([item.question, *item.alternate_questions, *item.key_points])
            limit = max(3, len(self._items) // KEY_TERM_SHARE)
            self._key_terms[index] = frozenset(
                key
                for word in tokens(text)
                if word not in STOPWORDS and len(word) >= 3
                for key in (stem(word),)
                if self._lexical.document_frequency(key) <= limit
            )
        return self._key_terms[index]
