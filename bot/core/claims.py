"""Does a member's clause say the opposite of a key point? Checks a cosine cannot make.

Two sentences about the same thing embed close together whether they agree or not, so once a
clause is aligned to a key point (by the grader's embeddings) these checks compare what the
two *claim*: negation and absence, the direction of a change or comparison, numbers with their
units, the order of steps, and which of the item's entities a property is said of. Each check
uses general English (negators, antonym classes, counterpart roles), never an item's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.text import STOPWORDS, stem

SWAP, REVERSAL, NEGATION, NUMBER = "swap", "reversal", "negation", "number"
"""Kinds of contradiction, as reported in a verdict."""

_NEGATORS = frozenset("not never no none nothing without neither nor cannot".split())  # noqa: SIM905
_IMPLICIT = frozenset(
    """freeze freezes freezing frozen unchanged untouched intact skip skips skipped
    skipping avoid avoids avoided avoiding eliminate eliminates eliminated eliminating bypass
    bypasses bypassing omit omits omitted ignore ignores ignored ignoring lack lacks lacking
    absent unnecessary unneeded needless""".split()  # noqa: SIM905
)
"""Words that deny what they govern ('skips the reward model'), before or after it."""
_SCOPE_BREAK = frozenset(
    ", ; : ( ) but while whereas although though however and yet which instead so because".split()  # noqa: SIM905
)
_AHEAD, _BEHIND = 5, 2
"""Tokens a negator reaches after it (and, for an implicit one, before it)."""

# word -> (dimension, sign): antonyms share a dimension with opposite signs
_DIRECTIONS_TEXT = {
    ("amount", 1): """more increase increases increased increasing raise raises raised higher
        larger bigger greater grow grows grew growing boost boosts expand expands expanded
        maximize maximizes maximise maximizing add adds added adding many high large big
        amplify amplifies amplified inflate inflates multiply heavier extra""",
    ("amount", -1): """less fewer decrease decreases decreased decreasing reduce reduces
        reduced reducing lower lowers lowered lowering smaller shrink shrinks shrank cut cuts
        drop drops minimize minimizes minimise minimizing minimal minimum remove removes
        removed removing few low small little lighter tiny fraction saves save saving""",
    ("speed", 1): "faster fast quicker quick quickly speeds accelerate accelerates",
    ("speed", -1): "slower slow slows slowly slowed decelerate",
    ("quality", 1): """improve improves improved improving better helps help helping
        benefits enhances enhance strengthens stronger""",
    ("quality", -1): """hurt hurts worse worsen worsens degrade degrades degraded degrading
        harm harms harmful damages hinders weakens weaker poorer""",
    ("time", 1): "after later afterwards following follows last finally end",
    ("time", -1): "before earlier first prior precedes precede beforehand start initially",
    ("spread", 1): """flatten flattens flatter flattened uniform diverse diversity random
        randomness stochastic creative spread smoother""",
    ("spread", -1): """sharpen sharpens sharper sharpened peaked peakier deterministic greedy
        focused confident conservative concentrated""",
    ("cost", 1): "expensive costly costlier pricier",
    ("cost", -1): "cheap cheaper cheapest inexpensive affordable efficient efficiently",
    ("stability", 1): "stable stabilizes stabilize stability robust",
    ("stability", -1): "unstable instability destabilizes brittle",
    ("symmetry", 1): "symmetric symmetrical",
    ("symmetry", -1): "asymmetric asymmetrical",
    ("density", 1): "dense denser",
    ("density", -1): "sparse sparser sparsity",
}
DIRECTIONS: dict[str, tuple[str, int]] = {
    word: key for key, words in _DIRECTIONS_TEXT.items() for word in words.split()
}
"""Words that give a claim a direction on a dimension."""

_ORDER_WORDS = frozenset(
    [
        "before",
        "after",
        "then",
        "first",
        "next",
        "followed",
        "following",
        "prior",
        "once",
        "finally",
    ]
)

_COUNTERPART_PAIRS = """encoder decoder, teacher student, precision recall, bias variance,
    generator discriminator, training inference, input output, query key, chosen rejected,
    pretraining finetuning, actor critic, supervised unsupervised, lasso ridge, l1 l2,
    overfitting underfitting, bagging boosting, local global, forward backward, weights activations,
    encoder-only decoder-only, causal bidirectional, left right, upper lower, train test"""
COUNTERPARTS: dict[str, str] = {}
for _pair in _COUNTERPART_PAIRS.split(","):
    _a, _b = (stem(w) for w in _pair.split())
    COUNTERPARTS[_a], COUNTERPARTS[_b] = _b, _a

_NOT_SUBJECT = frozenset(
    [
        "unlike",
        "than",
        "from",
        "vs",
        "versus",
        "over",
        "instead",
        "compared",
        "not",
        "like",
        "whereas",
    ]
)
"""Words after which an entity is a foil, not the subject of the claim."""

_NUMBER_WORDS = {
    "one": "1", "single": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "sixteen": "16",
    "zero": "0", "half": "0.5", "twice": "2x", "double": "2x", "triple": "3x", "hundred": "100",
}  # fmt: skip
_UNITS = {"bits": "bit", "billion": "b", "million": "m", "percent": "%", "times": "x"}
_RAW_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*|[%,;:()]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?$")


def words(text: str) -> list[str]:
    """Lower-case words in order, contractions opened ("doesn't" -> "does not")."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"(\d)([a-z%])", r"\1 \2", text)  # 4bit -> 4 bit, 70b -> 70 b
    return _RAW_TOKEN.findall(text)


@dataclass(frozen=True, slots=True)
class Claim:
    """What a text says of each of its content stems: direction per dimension, and denial."""

    stems: tuple[str, ...]
    marks: dict[str, dict[str, int]]
    """stem -> {dimension: sign} of the direction words near it (mixed signs left out)."""
    negations: tuple[frozenset[str], ...]
    """The content stems each negation in the text covers."""
    numbers: frozenset[tuple[str, str]]
    """(value, unit or neighbour stem) pairs."""
    order: frozenset[tuple[str, str]]
    """(earlier, later) stem pairs where the text states an order."""
    entities: tuple[str, ...]
    """Stems of entity mentions, in order, foils (after 'unlike', 'than' ...) left out."""


def _is_content(word: str) -> bool:
    return (
        word not in STOPWORDS
        and word not in DIRECTIONS
        and word not in _NEGATORS
        and word not in _IMPLICIT
        and not _NUMBER.match(word)
        and len(word) > 1
    )


def _reach(ws: Sequence[str], i: int, ahead: int, behind: int) -> range:
    """Token positions a modifier at ``i`` reaches, stopping at clause boundaries."""
    start = i
    for j in range(i - 1, max(-1, i - 1 - behind), -1):
        if ws[j] in _SCOPE_BREAK:
            break
        start = j
    end = i + 1
    for j in range(i + 1, min(len(ws), i + 1 + ahead)):
        if ws[j] in _SCOPE_BREAK:
            break
        end = j + 1
    return range(start, end)


def claim(text: str, entities: Iterable[str] = ()) -> Claim:
    """Read the claim structure of one clause; ``entities``: stems of the item's entities."""
    ws = words(text)
    stems = [stem(w) for w in ws]
    content = {i for i, w in enumerate(ws) if _is_content(w)}
    negated = [False] * len(ws)
    scopes: list[frozenset[str]] = []
    for i, w in enumerate(ws):
        if w in _NEGATORS or w in _IMPLICIT:
            reach = [j for j in _reach(ws, i, _AHEAD, _BEHIND if w in _IMPLICIT else 0) if j != i]
            for j in reach:
                negated[j] = not negated[j]
            scopes.append(frozenset(stems[j] for j in reach if j in content))
    marks: dict[str, dict[str, set[int]]] = {}
    for i, w in enumerate(ws):
        if w in DIRECTIONS:
            dim, sign = DIRECTIONS[w]
            for j in _reach(ws, i, 3, 2):
                if j in content:
                    flip = negated[i] or negated[j]  # "doesn't add latency", "adds no latency"
                    marks.setdefault(stems[j], {}).setdefault(dim, set()).add(
                        -sign if flip else sign
                    )
    return Claim(
        stems=tuple(dict.fromkeys(stems[i] for i in sorted(content))),
        marks={
            s: {d: next(iter(v)) for d, v in dims.items() if len(v) == 1}
            for s, dims in marks.items()
        },
        negations=tuple(scopes),
        numbers=frozenset(_numbers(ws, stems)),
        order=frozenset(_order(ws, stems, sorted(content))),
        entities=tuple(_entities(ws, stems, set(entities))),
    )


def _numbers(ws: Sequence[str], stems: Sequence[str]) -> Iterable[tuple[str, str]]:
    for i, w in enumerate(ws):
        value = w if _NUMBER.match(w) else _NUMBER_WORDS.get(w)
        if value is None:
            continue
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        nxt = _UNITS.get(nxt, nxt)
        if nxt and (nxt in ("bit", "b", "m", "k", "x", "%", "gb") or _is_content(nxt)):
            yield value.rstrip("x") if nxt == "x" else value, stem(nxt)
        elif i > 0 and _is_content(ws[i - 1]):
            yield value, stems[i - 1]


def _order(
    ws: Sequence[str], stems: Sequence[str], content: Sequence[int]
) -> Iterable[tuple[str, str]]:
    """(earlier, later) pairs: 'A before B', 'B after A', 'first A, then B'."""
    if not any(w in _ORDER_WORDS for w in ws):
        return
    for a_pos, a in enumerate(content):
        for b in content[a_pos + 1 :]:
            between = ws[a + 1 : b]
            if not any(w in _ORDER_WORDS for w in between):
                continue
            if stems[a] == stems[b]:
                continue
            if "after" in between or "once" in between:
                yield stems[b], stems[a]
            else:
                yield stems[a], stems[b]


def _entities(ws: Sequence[str], stems: Sequence[str], known: set[str]) -> Iterable[str]:
    for i, s in enumerate(stems):
        if s in known or s in COUNTERPARTS:
            previous = ws[max(0, i - 2) : i]
            if not any(p in _NOT_SUBJECT for p in previous):
                yield s


def conflict(point: Claim, said: Claim, entities: Iterable[str] = ()) -> str:
    """The kind of contradiction between a key point and a clause aligned to it, or ''."""
    shared = (set(point.stems) & set(said.stems)) - set(entities)
    for s in shared:
        mine, theirs = point.marks.get(s, {}), said.marks.get(s, {})
        if any(mine[d] != theirs[d] for d in mine.keys() & theirs.keys()):
            return REVERSAL
    # a denial: a negation reaches the shared words on one side only
    if polarity(point, shared) != polarity(said, shared):
        return NEGATION
    for unit in {u for _, u in point.numbers} & {u for _, u in said.numbers}:
        mine_values = {v for v, u in point.numbers if u == unit}
        if not mine_values & {v for v, u in said.numbers if u == unit}:
            return NUMBER
    if {(b, a) for a, b in point.order} & said.order:
        return NUMBER
    return ""


def polarity(c: Claim, about: set[str]) -> int:
    """-1 when a negation of the claim covers words of ``about``, else 1 (double negatives
    are rare in answers; coordinated denials, 'skips A and B', are not)."""
    return -1 if any(scope & about for scope in c.negations) else 1


def subject(c: Claim) -> str:
    """The first entity a claim is about ('' when it names none)."""
    return c.entities[0] if c.entities else ""


def swapped(point: Claim, said: Claim, entities: Iterable[str]) -> bool:
    """True when ``said`` gives the key point's property to another of the item's entities."""
    mine, theirs = subject(point), subject(said)
    if not mine or not theirs or mine == theirs:
        return False
    others = set(entities) | {COUNTERPARTS.get(mine, "")}
    if theirs not in others or mine in said.entities:
        return False
    predicate = set(point.stems) - set(point.entities) - set(entities)
    return bool(predicate & set(said.stems))
