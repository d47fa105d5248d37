"""Grade a member's answer by a verdict on each key point of the item: covered, contradicted
or missed.

An answer is split into sentences and clauses. Embeddings align each key point with the
clauses about the same thing (the model runs once per answer, on at most ``MAX_PIECES``
clauses); a key point is covered when a clause is close to it and uses its information, and
contradicted when an aligned clause claims the opposite (``bot.core.claims``: negation,
reversed direction, wrong number or order, another entity given its property). The score is a
function of the verdicts alone. Chatter is not an attempt; the question echoed, a bare list of
terms and a near-copy of the reference or of an earlier answer earn nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from bot.core import claims
from bot.core.model import CONTRADICTED, COVERED, MISSED, Grade, Item, Verdict
from bot.core.ports import Embedder, Vectors
from bot.core.text import STOPWORDS, plain_text, stem, tokens

COVER_AT = 0.52
"""Evidence at or above which a key point counts as covered (calibrated on grading_dev.yaml)."""
NAMED_DENSE_AT = 0.80
"""Cosine at which an answer states a point that names techniques without naming them."""
COVER_CLOSEST_AT = 0.42
"""Evidence enough for the key point a piece is closest to."""
LEXICAL_SHARE = 0.35
"""Weight of word overlap in a key point's evidence (the rest is embedding similarity)."""
ALIGN_AT = 0.50
"""Cosine at which a clause is about a key point, so a conflict between them contradicts it
(0.50: on the tuning split it catches as many as 0.42 did, with fewer false ones on the
reference answers)."""
AGREE_AT = 0.60
"""Cosine at which a clause that agrees with a key point outweighs a less similar conflict."""
CONTRADICTION_COST = 0.5
"""Points a contradicted key point takes away, as a share of a covered one's."""
ECHO_RATIO = 80.0
"""rapidfuzz ratio to the question at which an answer is the question echoed."""
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
    tricky easy cheers mate guys folks everyone all gonna wait see here me too bookmark
    bookmarking bookmarked saving saved prep tbh flashbacks passing
"""
CHATTER: frozenset[str] = frozenset(_CHATTER_TEXT.split())
"""Words of thread chatter that, alone, never make an answer."""

_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+(?:-|--|—)\s+|,\s+(?=(?:and|but|which|so|while)\b)")


_WRAPPED = re.compile(r"(?<![.!?:;\n])\n(?![ \t]*(?:[-*+•]|\d+[.)])\s)(?=[ \t]*[a-z(])")
"""A line break inside a sentence (a hard-wrapped paragraph), not before a bullet."""


def clauses(answer: str) -> list[str]:
    """Sentences and clauses of a Markdown answer, bullets and emphasis removed."""
    text = plain_text(_WRAPPED.sub(" ", answer))
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


_ENTITY = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}[a-z]?\b")
"""Acronyms and CamelCase names in an item (LoRA, QLoRA, DPO, RLHF, GPTQ, BERTs)."""
_SUBCLAUSE = re.compile(r"[;,]|\s+(?:while|whereas|but|unlike)\s+")


_CONTRAST = re.compile(
    r"\b(?:compared (?:to|with)|differ(?:s)? from|distinguish(?:es)? \S+ from|versus|vs\.?|"
    r"from|and|or|over|between)\b",
    re.IGNORECASE,
)
_ASK_WORDS = frozenset("how what why when which does do is are can compare".split())  # noqa: SIM905


def contrasted(question: str) -> set[str]:
    """The two things a question contrasts, by their first word ('How does beam search
    improve generation compared to greedy decoding?' -> beam, greedy); empty otherwise."""
    if not re.search(r"\b(?:compar|differ|distinguish|versus|vs)", question, re.IGNORECASE):
        return set()
    sides = _CONTRAST.split(question, maxsplit=1)
    if len(sides) != 2:
        return set()
    firsts = []
    for side in sides:
        words = [w for w in tokens(side) if w not in STOPWORDS and w not in _ASK_WORDS]
        if words:
            firsts.append(words[0])
    return set(firsts) if len(firsts) == 2 else set()


def subclauses(piece: str) -> list[str]:
    """The smallest claims of an embedded piece ('A does X, while B does Y' -> two)."""
    parts = [p.strip(" ,;:-") for p in _SUBCLAUSE.split(piece)]
    return [p for p in parts if len(tokens(p)) >= 2] or [piece]


def _normalised(text: str) -> str:
    return " ".join(tokens(plain_text(text)))


def _stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in STOPWORDS}


@dataclass(frozen=True, slots=True)
class _Answer:
    """An answer as the grader sees it: its embedded pieces, their vectors, its whole vector."""

    texts: list[str]
    vectors: Vectors
    whole: Vectors


class Grader:
    """Judges an answer key point by key point; scores 0-100 from the verdicts."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._item_vectors: dict[str, tuple[Vectors, Vectors]] = {}
        self._item_stems: dict[str, _ItemStems] = {}
        self._item_claims: dict[str, tuple[frozenset[str], list[claims.Claim]]] = {}
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

    def _stems_of(self, item: Item) -> _ItemStems:
        """Stems of the question and key points, of each key point, of the question alone."""
        cached = self._item_stems.get(item.id)
        if cached is None:
            question = _stems(item.question)
            cached = _ItemStems(
                _stems(" ".join((item.question, *item.key_points))),
                [_stems(point) for point in item.key_points],
                question,
                [_stems(" ".join(_ENTITY.findall(point))) - question for point in item.key_points],
            )
            self._item_stems[item.id] = cached
        return cached

    def _claims_of(self, item: Item) -> tuple[frozenset[str], list[claims.Claim]]:
        """(stems of the item's named entities, the claim of each key point), cached per item."""
        cached = self._item_claims.get(item.id)
        if cached is None:
            text = " ".join((item.question, *item.key_points, item.answer))
            names = {m.lower() for m in _ENTITY.findall(text)} | contrasted(item.question)
            entities = frozenset(claims.stem(w) for name in names for w in claims.words(name))
            cached = (entities, [claims.claim(p, entities) for p in item.key_points])
            self._item_claims[item.id] = cached
        return cached

    def read(self, answer: str) -> _Answer:
        """The answer's pieces and their vectors, from one encode.

        The whole vector is the word-weighted mean of the pieces' (the model mean-pools its
        tokens): encoding the whole answer too would double the tokens the model reads.
        """
        parts = pieces(answer) or [plain_text(answer).strip() or answer]
        vectors = self._embedder.encode(parts)
        weights = np.asarray([max(len(tokens(p)), 1) for p in parts], dtype=np.float32)
        whole = weights @ vectors
        norm = float(np.linalg.norm(whole))
        return _Answer(parts, vectors, (whole / norm if norm else whole).astype(np.float32))

    def _earlier_vector(self, text: str) -> Vectors:
        """The whole vector of a reference or earlier answer, made like an answer's (so the two
        compare like with like) and cached by text."""
        vector = self._earlier.get(text)
        if vector is None:
            if len(self._earlier) >= EARLIER_CACHE:
                self._earlier.pop(next(iter(self._earlier), ""), None)
            vector = self._earlier[text] = self.read(text).whole
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
        overlap = _stems(" ".join(content)) & self._stems_of(item).all
        if overlap and len(content) >= 2:
            return True
        if vector is None:
            vector = self.read(text).whole
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
        vector = answer_vector if answer_vector is not None else self.read(answer).whole
        others = np.stack([self._earlier_vector(t) for _, t in earlier])
        sims = others @ vector
        best = int(np.argmax(sims))
        return earlier[best][0] if float(sims[best]) >= COPY_COSINE else ""

    def no_claim(self, item: Item, answer: str) -> str:
        """ "echo" for the question pasted back, "keywords" for terms without a claim, else ""."""
        text = plain_text(answer)
        if fuzz.ratio(_normalised(text), _normalised(item.question)) >= ECHO_RATIO:
            return "echo"
        said = _stems(text)
        question = self._stems_of(item).question
        if said and said <= question:
            return "echo"
        # the question asked back in other words: only questions, mostly the question's words
        asks = [p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p]
        if asks and all(p.endswith("?") for p in asks) and len(said & question) * 2 >= len(said):
            return "echo"
        fragments = [f for f in _FRAGMENT.split(text) if tokens(f)]
        function = [w for w in tokens(text) if w in STOPWORDS]
        short = max((len(tokens(f)) for f in fragments), default=0) <= 3
        if len(fragments) >= 3 and short and len(function) <= len(fragments) // 3:
            return "keywords"
        return ""

    def verdicts(self, item: Item, answer: _Answer, answer_text: str) -> list[Verdict]:
        """A verdict per key point of ``item``, each with the member's words as evidence."""
        key_vectors, _ = self._vectors_of(item)
        sims = answer.vectors @ key_vectors.T  # pieces x key points
        stems = self._stems_of(item)
        entities, points = self._claims_of(item)
        said = [_said(p, entities) for p in answer.texts]
        # a piece that only restates the question's words tells nothing
        informative = [bool(_stems(p) - stems.question) for p in answer.texts]
        answer_stems = _stems(plain_text(answer_text))
        # a sentence split into two pieces ('the decoder reads the input, and the encoder
        # writes the output') is read whole for exchanged roles
        whole = [
            _Said.sentence(f"{a}, {b}", claims.claim(f"{a}, {b}", entities), (i, i + 1))
            for i, (a, b) in enumerate(itertools.pairwise(answer.texts))
            if not re.search(r"[.!?]$", a.strip())
        ]
        out: list[Verdict] = []
        for k, point in enumerate(item.key_points):
            kind, wrong = self._contradiction(k, sims, said, whole, points, entities)
            if kind:
                out.append(Verdict(point, CONTRADICTED, wrong, kind))
                continue
            wanted = stems.points[k] - stems.question or stems.points[k]
            lexical = len(wanted & answer_stems) / len(wanted) if wanted else 0.0
            best = int(np.argmax(sims[:, k]))
            dense = max(float(sims[best, k]), float(key_vectors[k] @ answer.whole))
            evidence = (1 - LEXICAL_SHARE) * dense + LEXICAL_SHARE * lexical
            # a short answer about one point: enough when that point is the piece's closest
            closest = int(np.argmax(sims[best])) == k
            enough = evidence >= COVER_AT or (closest and evidence >= COVER_CLOSEST_AT)
            # a point that names techniques (NormalFloat, MMLU) is not stated by naming none
            names = stems.names[k]
            if names and not names & answer_stems and dense < NAMED_DENSE_AT:
                enough = False
            if enough and informative[best]:
                out.append(Verdict(point, COVERED, _quote(said[best], stems.points[k])))
            else:
                out.append(Verdict(point, MISSED))
        return out

    @staticmethod
    def _contradiction(
        k: int,
        sims: Vectors,
        said: list[_Said],
        sentence_pairs: list[_Said],
        points: list[claims.Claim],
        entities: frozenset[str],
    ) -> tuple[str, str]:
        """(kind, member's clause) of the most similar clause aligned to key point ``k`` that
        contradicts it, or ('', '')."""
        point = points[k]
        aligned = [int(p) for p in np.argsort(-sims[:, k]) if float(sims[p, k]) >= ALIGN_AT]
        # roles exchanged across the clauses of a sentence ('the decoder reads the input, and
        # the encoder generates the output'): read from the answer as a whole, unless another
        # clause about the point gives it to the right entity (an answer describing both)
        parts = [c for p in aligned for c in (said[p].whole, *(c for _, c in said[p].parts))]
        for p in aligned:
            for pair in (said[p], *(a for a in sentence_pairs if p in a.pieces)):
                # roles are exchanged within a sentence: across sentences, bindings guess
                for text, sentence in pair.sentences:
                    wrong = claims.moved(point, sentence, entities)
                    right = any(
                        claims.supports(point, c, wrong) and not claims.swapped(point, c, entities)
                        for c in parts
                    )
                    if wrong and not right:
                        return claims.SWAP, text
        for p in np.argsort(-sims[:, k]):
            if float(sims[p, k]) < ALIGN_AT:
                break
            # the clauses of the piece that are most about this key point decide
            found = _conflicts(point, said[p], entities)
            # a clause that agrees with a key point it is closer to is about that one
            closer = [j for j in range(len(points)) if j != k and sims[p, j] > sims[p, k]]
            for kind, text, claim in found:
                # (a swap names both roles, so it is about this point whatever is closer)
                if kind == claims.SWAP or not any(
                    _agrees(points[j], claim, entities) for j in closer
                ):
                    return kind, text
            if not found and float(sims[p, k]) >= AGREE_AT:
                return "", ""  # the closest piece states the point: a later conflict is noise
        return "", ""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        """Judge ``answer`` by the key points; ``earlier``: (label, text) pairs it must not copy."""
        if not item.key_points:
            return Grade(item.id, 0, (), (), attempt=True)
        if not _content_words(tokens(plain_text(answer))):
            return Grade(item.id, 0, (), (), attempt=False)  # chatter: no encode needed
        # one encode of the answer serves the attempt check, the copy check and the verdicts
        read = self.read(answer)
        if not self._is_attempt(answer, item, read.whole):
            return Grade(item.id, 0, (), (), attempt=False)
        copied = self.copied_from(answer, earlier, read.whole)
        if copied:
            return Grade(item.id, 0, (), tuple(item.key_points), True, copied)
        empty = self.no_claim(item, answer)
        if empty:
            return Grade(item.id, 0, (), tuple(item.key_points), True, no_claim=empty)
        verdicts = self.verdicts(item, read, answer)
        return Grade(
            item.id,
            score(verdicts),
            tuple(v.point for v in verdicts if v.status == COVERED),
            tuple(v.point for v in verdicts if v.status == MISSED),
            attempt=True,
            verdicts=tuple(verdicts),
        )


@dataclass(frozen=True, slots=True)
class _ItemStems:
    all: set[str]
    points: list[set[str]]
    question: set[str]
    names: list[set[str]]
    """Stems of the names each key point gives that the question does not."""


_FRAGMENT = re.compile(r"[,;/|\n]+|\s+(?:and|&)\s+")


@dataclass(frozen=True, slots=True)
class _Said:
    """One embedded piece of an answer: its claim as a whole and its subclauses' claims."""

    text: str
    whole: claims.Claim
    parts: list[tuple[str, claims.Claim]]
    pieces: tuple[int, ...] = ()
    """For a sentence read across pieces: the pieces it joins."""
    sentences: list[tuple[str, claims.Claim]] = field(default_factory=list)
    """The piece's sentences and their claims (one: the piece itself)."""

    @staticmethod
    def sentence(text: str, claim: claims.Claim, pieces: tuple[int, ...]) -> _Said:
        """One sentence read across the pieces it was split into."""
        return _Said(text, claim, [], pieces, [(text, claim)])


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _said(piece: str, entities: frozenset[str]) -> _Said:
    """An embedded piece with the claims of its subclauses and of its sentences."""
    whole = claims.claim(piece, entities)
    found = [t for t in _SENTENCE.split(piece) if len(tokens(t)) >= 2]
    sentences = (
        [(t, claims.claim(t, entities)) for t in found] if len(found) > 1 else [(piece, whole)]
    )
    parts = [(t, claims.claim(t, entities)) for t in subclauses(piece)]
    return _Said(piece, whole, parts, (), sentences)


def _quote(piece: _Said, point: set[str]) -> str:
    """The member's words that state a point: the subclause sharing most of its words, or
    the whole piece when no subclause stands out (one clause is quoted, not a paragraph)."""
    if len(piece.parts) < 2:
        return piece.text
    shares = [len(_stems(text) & point) for text, _ in piece.parts]
    best = max(shares)
    if best == 0 or shares.count(best) > 1:
        return piece.text
    return piece.parts[shares.index(best)][0]


def _conflicts(
    point: claims.Claim, piece: _Said, entities: frozenset[str]
) -> list[tuple[str, str, claims.Claim]]:
    """(kind, text, claim) of each contradiction of ``point`` in ``piece``: a swap of roles
    in the piece as a whole, else a conflict in its subclauses most about the point."""
    for text, sentence in piece.sentences:
        if claims.swapped(point, sentence, entities):
            return [(claims.SWAP, text, sentence)]
    overlap = [len(set(point.stems) & set(c.stems)) for _, c in piece.parts]
    most = max(overlap)
    out = []
    for (text, claim), shared in zip(piece.parts, overlap, strict=True):
        if shared == most and shared:
            kind = claims.conflict(point, claim, entities)
            if kind:
                out.append((kind, text, claim))
    return out


def _agrees(point: claims.Claim, said: claims.Claim, entities: frozenset[str]) -> bool:
    return not claims.conflict(point, said, entities) and not claims.swapped(point, said, entities)


def score(verdicts: Sequence[Verdict]) -> int:
    """0-100 from the verdicts alone: covered points earn, contradicted ones cost."""
    if not verdicts:
        return 0
    covered = sum(v.status == COVERED for v in verdicts)
    wrong = sum(v.status == CONTRADICTED for v in verdicts)
    return round(100 * max(covered - CONTRADICTION_COST * wrong, 0) / len(verdicts))
