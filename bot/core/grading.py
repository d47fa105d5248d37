"""Grade a member's answer by the key points of the item it covers.

An answer is split into sentences and clauses; a key point is covered when its embedding is
close to one of them (or to the whole answer), helped by how many of the key point's own words
the answer uses. The model runs once per answer, on its clauses (tiny ones merged into a
neighbour, at most ``MAX_PIECES``); the whole answer's vector is their word-weighted mean.
An answer that reads as chatter ("nice question!") is not an attempt, and a near-copy of the
reference answer or of an earlier answer earns nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz

from bot.core.model import Grade, Item
from bot.core.ports import Embedder, Vectors
from bot.core.text import STOPWORDS, plain_text, stem, tokens

COVERED = 0.52
"""Evidence at or above which a key point counts as covered (calibrated on grading_dev.yaml)."""
NO_CREDIT = 0.20
"""Evidence at or below which a key point earns nothing; partial credit in between."""
MISSED_CREDIT = 0.5
"""Most a key point listed as missed can earn, so the score agrees with the lists shown."""
LEXICAL_SHARE = 0.35
"""Weight of word overlap in a key point's evidence (the rest is embedding similarity)."""
RELEVANCE_FLOOR = 0.25
"""Cosine between answer and item under which the answer is about something else (score 0)."""
RELEVANCE_FULL = 0.50
"""Cosine between answer and item above which relevance no longer scales the score."""
COPY_RATIO = 90.0
"""rapidfuzz ratio (0-100) of normalised texts at which an answer is a copy."""
COPY_COSINE = 0.95
"""Embedding cosine at which an answer of some length is a copy."""
COPY_MIN_CHARS = 40
MAX_PIECES = 6
"""Most clauses of an answer that are embedded (shortest neighbours are merged beyond it)."""
MIN_PIECE_WORDS = 4
"""A clause of fewer words is merged into a neighbour (alone it matches nothing reliably)."""
EARLIER_CACHE = 512
"""Vectors of earlier answers (reference answers, thread replies) kept for the copy check."""

_CHATTER_TEXT = """
    nice great good cool awesome interesting lol lmao haha hahaha wow love tough hard
    following follow followed subscribed watching bump ty thx thanks thank agree agreed same
    question one today tomorrow later idk dunno pass skip yeah yep nope ok okay hmm fun
    tricky easy cheers mate guys folks everyone all gonna wait see here me too
"""
CHATTER: frozenset[str] = frozenset(_CHATTER_TEXT.split())
"""Words of thread chatter that, alone, never make an answer."""

_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+(?:-|--|—)\s+|,\s+(?=(?:and|but|which|so|while)\b)")


def clauses(answer: str) -> list[str]:
    """Sentences and clauses of a Markdown answer, bullets and emphasis removed."""
    text = plain_text(answer)
    parts = [re.sub(r"\s+", " ", p).strip(" ,;:-") for p in _CLAUSE.split(text)]
    return [p for p in parts if len(tokens(p)) >= 2]


def pieces(answer: str, most: int = MAX_PIECES) -> list[str]:
    """The clauses that are embedded: tiny ones merged into their shorter neighbour, and the
    shortest neighbours merged until at most ``most`` remain (a batch costs its count
    times its longest text)."""
    parts = clauses(answer)
    sizes = [len(tokens(p)) for p in parts]
    while len(parts) > 1 and (len(parts) > most or min(sizes) < MIN_PIECE_WORDS):
        i = min(range(len(parts)), key=sizes.__getitem__)
        if i == 0 or (i + 1 < len(parts) and sizes[i + 1] < sizes[i - 1]):
            j = i + 1
        else:
            i, j = i - 1, i
        parts[i : j + 1] = [f"{parts[i]} {parts[j]}"]
        sizes[i : j + 1] = [sizes[i] + sizes[j]]
    return parts


def _content_words(words: Sequence[str]) -> list[str]:
    """The words of an answer that are neither stopwords nor chatter (none: not an attempt)."""
    return [w for w in words if w not in STOPWORDS and w not in CHATTER]


def _normalised(text: str) -> str:
    return " ".join(tokens(plain_text(text)))


def _stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in STOPWORDS}


class Grader:
    """Scores answers 0-100 by the share of an item's key points they cover."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._item_vectors: dict[str, tuple[Vectors, Vectors]] = {}
        self._item_stems: dict[str, tuple[set[str], list[set[str]]]] = {}
        self._earlier: dict[str, Vectors] = {}

    def _vectors_of(self, item: Item) -> tuple[Vectors, Vectors]:
        """(key point vectors, item vectors: question + key points + reference answer)."""
        cached = self._item_vectors.get(item.id)
        if cached is None:
            vectors = self._embedder.encode([*item.key_points, item.question])
            # made like an answer's whole vector, so the two compare like with like
            reference = self._earlier_vector(item.answer)
            cached = (vectors[: len(item.key_points)], np.vstack([vectors, reference]))
            self._item_vectors[item.id] = cached
        return cached

    def _stems_of(self, item: Item) -> tuple[set[str], list[set[str]]]:
        """(stems of the question and key points, stems of each key point), cached per item."""
        cached = self._item_stems.get(item.id)
        if cached is None:
            cached = (
                _stems(" ".join((item.question, *item.key_points))),
                [_stems(point) for point in item.key_points],
            )
            self._item_stems[item.id] = cached
        return cached

    def answer_vectors(self, answer: str) -> tuple[Vectors, Vectors]:
        """(vectors of the answer's pieces, the whole answer's vector), from one encode.

        The whole vector is the word-weighted mean of the pieces' (the model mean-pools its
        tokens): encoding the whole answer too would double the tokens the model reads.
        """
        parts = pieces(answer) or [plain_text(answer).strip() or answer]
        vectors = self._embedder.encode(parts)
        weights = np.asarray([max(len(tokens(p)), 1) for p in parts], dtype=np.float32)
        whole = weights @ vectors
        norm = float(np.linalg.norm(whole))
        return vectors, (whole / norm if norm else whole).astype(np.float32)

    def _earlier_vector(self, text: str) -> Vectors:
        """The whole vector of a reference or earlier answer, made like an answer's (so the two
        compare like with like) and cached by text."""
        vector = self._earlier.get(text)
        if vector is None:
            if len(self._earlier) >= EARLIER_CACHE:
                self._earlier.pop(next(iter(self._earlier), ""), None)
            vector = self._earlier[text] = self.answer_vectors(text)[1]
        return vector

    def is_attempt(self, text: str, item: Item | None = None) -> bool:
        """False for chatter (thanks, +1, emoji, 'nice question!'); True for an answer try."""
        return self._is_attempt(text, item, None)

    def _is_attempt(self, text: str, item: Item | None, vector: Vectors | None) -> bool:
        """``is_attempt``, reusing the answer's vector when the caller already has it."""
        words = tokens(plain_text(text))
        content = _content_words(words)
        if not content:
            return False
        if item is None:
            return len(words) >= 3
        overlap = _stems(" ".join(content)) & self._stems_of(item)[0]
        if overlap and len(content) >= 2:
            return True
        if vector is None:
            vector = self.answer_vectors(text)[1]
        similarity = float(np.max(self._vectors_of(item)[1] @ vector))
        return similarity >= (0.30 if len(words) < 6 else 0.20)

    def copied_from(
        self, answer: str, earlier: Sequence[tuple[str, str]], answer_vector: Vectors | None = None
    ) -> str:
        """The label of the earlier text ``answer`` nearly copies, or ''."""
        mine = _normalised(answer)
        if not mine or not earlier:
            return ""
        for label, text in earlier:
            theirs = _normalised(text)
            if theirs and fuzz.ratio(mine, theirs) >= COPY_RATIO:
                return label
            long_enough = len(mine) >= 80 and len(mine) >= 0.5 * len(theirs)
            if long_enough and fuzz.partial_ratio(mine, theirs) >= 95:
                return label
        if len(mine) < COPY_MIN_CHARS:
            return ""
        vector = answer_vector if answer_vector is not None else self.answer_vectors(answer)[1]
        others = np.stack([self._earlier_vector(t) for _, t in earlier])
        sims = others @ vector
        best = int(np.argmax(sims))
        return earlier[best][0] if float(sims[best]) >= COPY_COSINE else ""

    def evidence(self, item: Item, answer: str) -> tuple[list[float], float, Vectors]:
        """Per key point evidence in [0, 1], relevance of the answer, and the answer's vector."""
        parts, whole = self.answer_vectors(answer)
        key_vectors, item_vectors = self._vectors_of(item)
        dense = np.maximum((parts @ key_vectors.T).max(axis=0), key_vectors @ whole)
        relevance = float((item_vectors @ whole).max())
        answer_stems = _stems(plain_text(answer))
        evidence = []
        for wanted, similarity in zip(self._stems_of(item)[1], dense, strict=True):
            lexical = len(wanted & answer_stems) / len(wanted) if wanted else 0.0
            evidence.append((1 - LEXICAL_SHARE) * float(similarity) + LEXICAL_SHARE * lexical)
        return evidence, relevance, whole

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        """Score ``answer`` by the key points; ``earlier``: (label, text) pairs it must not copy."""
        if not item.key_points:
            return Grade(item.id, 0, (), (), attempt=True)
        if not _content_words(tokens(plain_text(answer))):
            return Grade(item.id, 0, (), (), attempt=False)  # chatter: no encode needed
        # one encode of the answer serves the attempt check and the evidence
        evidence, relevance, vector = self.evidence(item, answer)
        if not self._is_attempt(answer, item, vector):
            return Grade(item.id, 0, (), (), attempt=False)
        copied = self.copied_from(answer, earlier, vector)
        if copied:
            return Grade(item.id, 0, (), tuple(item.key_points), True, copied)
        covered = tuple(p for p, e in zip(item.key_points, evidence, strict=True) if e >= COVERED)
        missed = tuple(p for p in item.key_points if p not in covered)
        credit = [
            1.0 if e >= COVERED else MISSED_CREDIT * max((e - NO_CREDIT) / (COVERED - NO_CREDIT), 0)
            for e in evidence
        ]
        on_item = min(max((relevance - RELEVANCE_FLOOR) / (RELEVANCE_FULL - RELEVANCE_FLOOR), 0), 1)
        score = round(100 * on_item * sum(credit) / len(credit))
        return Grade(item.id, int(score), covered, missed, attempt=True)

    def grade_many(
        self, answers: Sequence[tuple[Item, str]], earlier: Sequence[tuple[str, str]] = ()
    ) -> list[Grade]:
        """Grade several answers (each against the same ``earlier`` texts)."""
        return [self.grade(item, answer, earlier) for item, answer in answers]
