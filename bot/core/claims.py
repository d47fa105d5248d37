"""Does a member's clause say the opposite of a key point? Checks a cosine cannot make.

Two sentences about the same thing embed close together whether they agree or not, so once a
clause is aligned to a key point (by the grader's embeddings) these checks compare what the
two *claim*: negation and absence, the direction of a change or comparison, numbers with their
units, the order of steps, and which of the item's entities a property is said of. Each check
uses general English (negators, antonym classes, counterpart roles), never an item's wording.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.text import STOPWORDS
from bot.core.text import stem as _stem


def stem(word: str) -> str:
    """The shared crude stem, with Latin plurals folded (matrices -> matrix)."""
    if word.endswith("rices") or word.endswith("dices"):
        word = word[:-4] + "ix"
    return _stem(word)


SWAP, REVERSAL, NEGATION, NUMBER = "swap", "reversal", "negation", "number"
"""Kinds of contradiction, as reported in a verdict."""

_NEGATORS = frozenset("not never no none nothing without neither nor cannot".split())  # noqa: SIM905
_AFTER_ONLY = frozenset("frozen fixed unchanged untouched intact".split())  # noqa: SIM905
"""Implicit negatives that follow what they deny ('W stays fixed')."""
_IMPLICIT = _AFTER_ONLY | frozenset(
    """freeze freezes freezing skip skips skipped
    skipping avoid avoids avoided avoiding eliminate eliminates eliminated eliminating bypass
    bypasses bypassing omit omits omitted ignore ignores ignored ignoring lack lacks lacking
    absent unnecessary unneeded needless""".split()  # noqa: SIM905
)
"""Words that deny what they govern ('skips the reward model'), before or after it."""
_SCOPE_BREAK = frozenset(
    ", ; : ( ) . but while whereas although though however and yet which instead so because".split()  # noqa: SIM905
)
_NEG_STOP = frozenset("on in for with by from during into at via through after before".split())  # noqa: SIM905
"""Prepositions end a negation's reach ('without supervision | on massive data')."""
_BAD_THINGS = frozenset(
    """problem problems issue issues risk risks error errors mistake mistakes regression
    regressions forget forgetting forgets overfit overfitting hallucination hallucinations bias
    harm leak leakage collapse vanishing exploding noise too""".split()  # noqa: SIM905
)
"""Words whose denial is a good thing ('avoids the OOV problem'): such a denial is no denial of
the point."""
_AHEAD, _BEHIND = 5, 2
"""Tokens a negator reaches after it (and, for an implicit one, before it)."""

# word -> (dimension, sign): antonyms share a dimension with opposite signs
_DIRECTIONS_TEXT = {
    ("amount", 1): """more increase increases increased increasing raise raises raised higher
        larger bigger greater grow grows grew growing boost boosts expand expands expanded
        maximize maximizes maximise maximizing many high large big
        amplify amplifies amplified inflate inflates multiply heavier extra vast huge massive
        enormous up""",
    ("amount", -1): """less fewer decrease decreases decreased decreasing reduce reduces
        reduced reducing lower lowers lowered lowering smaller shrink shrinks shrank cut cuts
        drop drops minimize minimizes minimise minimizing minimal minimum remove removes
        removed removing few low small little lighter tiny fraction saves save saving strip
        strips stripped discard discards discarded erase erases destroy destroys loses limited
        limiting limit limits down""",
    ("speed", 1): "faster fast quicker quick quickly speed speeds accelerate accelerates",
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
    ("share", 1): """all every entire whole most majority nearly entirely""",
    ("share", -1): """fraction subset portion minority only sliver handful""",
    ("count", 1): """several multiple various different diverse numerous plural""",
    ("count", -1): """single sole lone""",
    ("complexity", 1): "complex complicated harder difficult convoluted",
    ("complexity", -1): "simple simpler simplest simplify simplifies easier straightforward",
    (
        "effect",
        1,
    ): "cause causes caused causing induce induces trigger triggers encourage encourages",
    (
        "effect",
        -1,
    ): "prevent prevents prevented mitigate mitigates discourage discourages penalize penalizes",
    ("relevance", 1): "relevant pertinent",
    ("relevance", -1): "irrelevant unrelated",
    ("cost", 1): "expensive costly costlier pricier",
    ("cost", -1): "cheap cheaper cheapest inexpensive affordable efficient efficiently",
    ("stability", 1): "stable stabilizes stabilize stability robust",
    ("stability", -1): "unstable instability destabilizes brittle",
    ("symmetry", 1): "symmetric symmetrical",
    ("symmetry", -1): "asymmetric asymmetrical",
    ("likeness", 1): "alike similar similarity same identical equal equivalent",
    ("likeness", -1): "differ differs different difference distinct dissimilar apart",
    ("sidedness", 1): "bidirectional bidirectionally both-sided",
    ("sidedness", -1): "unidirectional causal autoregressive autoregressively one-directional",
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
    generator discriminator, input output, query key, chosen rejected, actor critic,
    policy reward, lasso ridge, l1 l2, overfitting underfitting, bagging boosting,
    supervised unsupervised, sender receiver, prompt completion"""
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

_OBJECT_OF = frozenset("of in on for with to at into".split())  # noqa: SIM905
"""An entity right after these is an object ('memory of the GPU'), not a clause's subject."""
_CONDITIONS = frozenset("if unless whenever".split())  # noqa: SIM905
_DETERMINERS = frozenset("the a an its their this each".split())  # noqa: SIM905

_NUMBER_WORDS = {
    "one": "1", "single": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "sixteen": "16",
    "zero": "0", "half": "50", "quarter": "25", "twice": "2x", "double": "2x", "triple": "3x",
    "hundred": "100",
}  # fmt: skip
_UNIT_WORDS = frozenset(["bit", "b", "m", "k", "x", "%", "gb"])
_UNITS = {
    "bits": "bit", "billion": "b", "million": "m", "percent": "%", "times": "x", "half": "%",
}  # fmt: skip
_ALTERNATIVE = re.compile(
    r"\b(?:rather than|instead of)\b.*?(?=[,;:.()]|\b(?:but|while|whereas|so)\b|$)"
)
_COMPOUND = re.compile(r"\b([a-z]+)-([a-z]+)")
_RAW_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*|[%,;:()]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?$")


def words(text: str) -> list[str]:
    """Lower-case words in order, contractions opened ("doesn't" -> "does not")."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    # 'A rather than B': B is the alternative set aside, not a claim of the clause
    text = _ALTERNATIVE.sub(" ", text)
    text = re.sub(r"(\d)([a-z%])", r"\1 \2", text)  # 4bit -> 4 bit, 70b -> 70 b
    # a compound is a term, not a direction: low-rank, high-quality, large-scale
    text = _COMPOUND.sub(
        lambda m: m.group(1) + m.group(2) if m.group(1) in DIRECTIONS else m.group(0), text
    )
    return _RAW_TOKEN.findall(text)


@dataclass(frozen=True, slots=True)
class Claim:
    """What a text says of each of its content stems: direction per dimension, and denial."""

    stems: tuple[str, ...]
    marks: dict[str, dict[str, int]]
    """stem -> {dimension: sign} of the direction words near it (mixed signs left out)."""
    negations: tuple[frozenset[str], ...]
    """The content stems each negation in the text covers."""
    directions: dict[str, int]
    """dimension -> sign over the whole text (dimensions with mixed signs left out)."""
    numbers: frozenset[tuple[str, str]]
    """(value, unit or neighbour stem) pairs."""
    order: frozenset[tuple[str, str]]
    """(earlier, later) stem pairs where the text states an order."""
    mentions: frozenset[str]
    """Stems of every entity mention, foils included."""
    bound: dict[str, frozenset[str]]
    """content stem -> the entities it is said of (the subjects of the clauses it is in)."""
    conditional: bool = False
    """The text states a condition ('if the data is too small'), not a plain claim."""


_GENERIC = frozenset("model llm network data method techniqu approach way task use".split())  # noqa: SIM905
"""Stems too common in the bank to show that two clauses make the same claim."""


def _is_content(word: str) -> bool:
    return (
        word not in STOPWORDS
        and word not in DIRECTIONS
        and word not in _NEGATORS
        and word not in _IMPLICIT
        and not _NUMBER.match(word)
        and len(word) > 1
    )


def _near(
    ws: Sequence[str], i: int, content: set[int], ahead: int = 2, behind: int = 2
) -> list[int]:
    """The content words a direction word at ``i`` qualifies: up to ``ahead`` after it and
    ``behind`` before it, within its clause."""
    out: list[int] = []
    for step, most in ((1, ahead), (-1, behind)):
        j, found = i + step, 0
        while 0 <= j < len(ws) and found < most and ws[j] not in _SCOPE_BREAK:
            if j in content:
                out.append(j)
                found += 1
            j += step
    return out


def _reach(ws: Sequence[str], i: int, ahead: int, behind: int) -> range:
    """Token positions a modifier at ``i`` reaches, stopping at clause boundaries."""
    start = i
    for j in range(i - 1, max(-1, i - 1 - behind), -1):
        if ws[j] in _SCOPE_BREAK:
            break
        start = j
    end = i + 1
    for j in range(i + 1, min(len(ws), i + 1 + ahead)):
        if ws[j] in _SCOPE_BREAK or ws[j] in _NEG_STOP:
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
            ahead = 0 if w in _AFTER_ONLY else _AHEAD
            # an implicit negative denies what precedes it only when it ends its phrase
            # ('the weights stay frozen', not 'quantizes the frozen base model')
            nxt = ws[i + 1] if i + 1 < len(ws) else ""
            ends = not nxt or nxt in _SCOPE_BREAK or nxt in _NEG_STOP or nxt in STOPWORDS
            behind = _BEHIND if w in _IMPLICIT and ends else 0
            reach = [j for j in _reach(ws, i, ahead, behind) if j != i]
            if any(ws[j] in _BAD_THINGS for j in reach):
                continue
            for j in reach:
                negated[j] = not negated[j]
            scopes.append(frozenset(stems[j] for j in reach if j in content))
    marks: dict[str, dict[str, set[int]]] = {}
    overall: dict[str, set[int]] = {}
    for i, w in enumerate(ws):
        if w in DIRECTIONS or _percent(ws, i):
            dim, sign = DIRECTIONS.get(w) or ("share", _percent(ws, i))
            if dim == "amount" and i + 1 < len(ws) and DIRECTIONS.get(ws[i + 1], ("",))[0]:
                continue  # 'less stable', 'more complex': read with the word it grades
            if i > 0 and ws[i - 1] in ("less", "fewer") and dim != "amount":
                sign = -sign
            overall.setdefault(dim, set()).add(-sign if negated[i] else sign)
            for j in _near(ws, i, content):
                flip = negated[i] or negated[j]  # "doesn't add latency", "adds no latency"
                marks.setdefault(stems[j], {}).setdefault(dim, set()).add(-sign if flip else sign)
    return Claim(
        stems=tuple(dict.fromkeys(stems[i] for i in sorted(content))),
        marks={
            s: {d: next(iter(v)) for d, v in dims.items() if len(v) == 1}
            for s, dims in marks.items()
        },
        negations=tuple(scopes),
        directions={d: next(iter(v)) for d, v in overall.items() if len(v) == 1},
        numbers=frozenset(_numbers(ws, stems)),
        order=frozenset(_order(ws, stems, sorted(content))),
        mentions=frozenset(s for s in stems if s in set(entities) or s in COUNTERPARTS),
        bound=_bindings(ws, stems, content, set(entities)),
        conditional=bool(_CONDITIONS & set(ws))
        or any(a == "too" and b in DIRECTIONS for a, b in itertools.pairwise(ws)),
    )


def _percent(ws: Sequence[str], i: int) -> int:
    """1 for a large share ('90%'), -1 for a small one ('5 percent'), else 0."""
    if not _NUMBER.match(ws[i]) or i + 1 >= len(ws) or ws[i + 1] not in ("%", "percent"):
        return 0
    value = float(ws[i])
    return 1 if value >= 70 else -1 if value <= 30 else 0


def _numbers(ws: Sequence[str], stems: Sequence[str]) -> Iterable[tuple[str, str]]:
    """(value, unit) pairs; the unit is the thing counted: '4-bit' (4, bit), 'two small
    matrices' (2, matric), 'rank 8' (8, rank)."""
    for i, w in enumerate(ws):
        value = w if _NUMBER.match(w) else _NUMBER_WORDS.get(w)
        if value is None:
            continue
        found = False
        for j in range(i + 1, min(len(ws), i + 4)):
            nxt = _UNITS.get(ws[j], ws[j])
            if nxt in _SCOPE_BREAK or _NUMBER.match(nxt):
                break
            if nxt in _UNIT_WORDS or _is_content(nxt):
                # 'two small low-rank matrices': each noun of the phrase is counted
                yield value, stem(nxt)
                found = True
                if nxt in _UNIT_WORDS:
                    break
        if not found and i > 0 and _is_content(ws[i - 1]):
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


def conflict(point: Claim, said: Claim, entities: Iterable[str] = ()) -> str:
    """The kind of contradiction between a key point and a clause aligned to it, or ''."""
    shared = (set(point.stems) & set(said.stems)) - set(entities)
    reversed_dims = {
        dim
        for s in shared
        for dim, sign in point.marks.get(s, {}).items()
        if said.marks.get(s, {}).get(dim, sign) != sign
    }
    if reversed_dims and _states_effect(point, said, reversed_dims):
        return NUMBER if reversed_dims <= {"share", "count"} else REVERSAL
    # no anchored direction: the clause's direction words against the key point's
    if shared - _GENERIC:
        flipped = {
            dim
            for dim in point.directions.keys() & said.directions.keys()
            if point.directions[dim] != said.directions[dim]
        }
        if flipped and _states_effect(point, said, flipped):
            return NUMBER if flipped <= {"share", "count"} else REVERSAL
    # a denial: a negation reaches the shared words on one side only; where the key point is
    # the negative one, most of what it denies must be asserted ('bag of tokens' paraphrases
    # 'no sense of order' with no negation at all)
    meant = shared - _GENERIC
    mine_p, theirs_p = polarity(point, meant), polarity(said, meant)
    if theirs_p < mine_p:
        return NEGATION
    if mine_p < theirs_p:
        denied = set().union(*(scope & shared for scope in point.negations)) - _GENERIC
        if len(denied) >= 2:
            return NEGATION
    for unit in {u for _, u in point.numbers} & {u for _, u in said.numbers}:
        mine_values = {v for v, u in point.numbers if u == unit}
        if not mine_values & {v for v, u in said.numbers if u == unit}:
            return NUMBER
    if {(b, a) for a, b in point.order} & said.order:
        return NUMBER
    return ""


def _dims(c: Claim) -> set[str]:
    return {dim for dims in c.marks.values() for dim in dims} | set(c.directions)


def _states_effect(point: Claim, said: Claim, reversed_dims: set[str]) -> bool:
    """A reversed cause is a contradiction only when the clause also speaks of the key
    point's effect: 'if the dataset is too small it memorizes' does not deny 'more data
    improves performance' (a condition, not a claim about the direction of the effect)."""
    others = _dims(point) - reversed_dims
    return not said.conditional or not others or bool(others & _dims(said))


def polarity(c: Claim, about: set[str]) -> int:
    """-1 when a negation of the claim covers words of ``about``, else 1 (double negatives
    are rare in answers; coordinated denials, 'skips A and B', are not)."""
    return -1 if any(scope & about for scope in c.negations) else 1


def _bindings(
    ws: Sequence[str], stems: Sequence[str], content: set[int], known: set[str]
) -> dict[str, frozenset[str]]:
    """Each content stem -> the subject entities of its clauses, the first entity named after a
    clause boundary ('the encoder reads the source, the decoder writes the target': source ->
    encoder, target -> decoder); a clause naming none keeps the previous one ('it')."""
    out: dict[str, set[str]] = {}
    groups: dict[str, str] = {}
    current, fresh, last = "", True, -9
    for i, s in enumerate(stems):
        if ws[i] in _SCOPE_BREAK and ws[i] not in (",", "and", "or"):
            fresh = True  # the next entity named is the next clause's subject
        elif s in known or s in COUNTERPARTS:
            listed = all(w in (",", "and", "or", "&") for w in ws[last + 1 : i]) and last >= 0
            previous = ws[max(0, i - 2) : i]
            h = i - 1
            while h > 0 and ws[h] in _DETERMINERS:
                h -= 1  # 'and the decoder writes': a new subject after 'and'
            if listed and current:
                groups[s] = groups.get(current, current)  # 'BPE, WordPiece and SentencePiece'
            elif (
                (fresh or (h >= 0 and ws[h] in (",", "and", "that")))
                and not (h >= 0 and ws[h] in _OBJECT_OF)  # 'a lot of GPU memory'
                and not any(p in _NOT_SUBJECT for p in previous)
            ):
                current, fresh = s, False
            last = i
        elif i in content and current:
            out.setdefault(s, set()).add(groups.get(current, current))
    return {s: frozenset(v) for s, v in out.items()}


def supports(point: Claim, said: Claim, about: Iterable[str]) -> bool:
    """True when ``said`` says one of the stems ``about`` of the entity the key point says it
    of ('the encoder reads the input' backs 'the encoder processes the input')."""
    return any(said.bound.get(s, frozenset()) & point.bound.get(s, frozenset()) for s in about)


def swapped(point: Claim, said: Claim, entities: Iterable[str]) -> bool:
    """True when ``said`` gives what the key point says of one of the item's entities to
    another of them, naming both (roles exchanged)."""
    return bool(moved(point, said, entities))


def moved(point: Claim, said: Claim, entities: Iterable[str]) -> set[str]:
    """The stems ``said`` gives to another of the item's entities than the key point does."""
    roles = set(entities) | set(COUNTERPARTS)
    out: set[str] = set()
    for s, mine in point.bound.items():
        theirs = said.bound.get(s, frozenset())
        if s in _GENERIC or s in roles or not theirs or theirs & mine:
            continue
        if not mine <= said.mentions:
            continue
        counterparts = {COUNTERPARTS.get(m, "") for m in mine}
        if theirs <= roles and (theirs & point.mentions or theirs & counterparts):
            out.add(s)
    return out
