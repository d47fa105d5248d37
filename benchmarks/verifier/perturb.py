"""Edits that make a true sentence false, for the verifier's training pairs.

Each edit is general English, never an item's wording: a negation added or removed, a
direction or comparison reversed, two of the sentence's named entities exchanged (or one
replaced by another entity of the same item), a number changed. An edit returns ``None`` when
it does not apply to the sentence, so the recipe only keeps real contradictions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

SWAP, REVERSAL, NEGATION, NUMBER = "swap", "reversal", "negation", "number"

_PAIRS = """more less, more fewer, increase decrease, increases decreases, increased decreased,
increasing decreasing, higher lower, larger smaller, bigger smaller, greater smaller,
faster slower, quicker slower, before after, earlier later, first last, improves hurts,
improve hurt, improved hurt, better worse, reduces increases, reduce increase, reduced increased,
reducing increasing, lowers raises, lower raise, cheaper costlier, sharper flatter,
sharpens flattens, deterministic random, always never, all none, must need not, many few,
long short, longer shorter, encoder decoder, teacher student, input output, training inference,
inputs outputs, maximize minimize, maximizes minimizes, minimizing maximizing, most least,
positive negative, high low, large small, add remove, adds removes, added removed, frozen trained,
freezes updates, fixed learned, dense sparse, left right, past future, earlier later,
stable unstable, easier harder, simpler more complex, without with, above below, same different,
precision recall, bias variance, underfitting overfitting, query key, keys values, rows columns,
parallel sequential, global local, shared separate, continuous discrete, absolute relative,
symmetric asymmetric, supervised unsupervised, online offline, static dynamic"""
ANTONYMS: dict[str, str] = {}
for _pair in _PAIRS.replace("\n", " ").split(","):
    _a, _b = _pair.split(maxsplit=1)
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)

_AUX = re.compile(
    r"\b(is|are|was|were|can|could|will|would|should|must|does|do|did|has|have|may|might)\b"
    r"(?!\s+not\b|n't)",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:(is|are|was|were|does|do|did|has|have|can|could|will|would|should|must)\s+not|"
    r"(is|are|was|were|does|do|did|has|have|could|would|should|must)n't|(cannot|can't|won't))\b",
    re.IGNORECASE,
)
_VERBS = """uses keeps adds removes trains learns needs requires reduces increases improves freezes
updates computes stores caches predicts generates splits shares replaces applies avoids helps
makes allows lets gives takes runs reads writes scales selects picks samples measures penalizes
matches depends produces maps encodes decodes attends prevents causes saves speeds lowers raises
converts combines compares ranks scores optimizes minimizes maximizes rewards trains fits works
grows shrinks drops ignores sees knows returns supports needs limits controls changes""".split()  # noqa: SIM905
_VERB_S = re.compile(r"\b(" + "|".join(sorted(set(_VERBS))) + r")\b")
_ENTITY = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}[a-z]?\b")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_NUMBER_WORDS = "one two three four five six seven eight nine ten".split()  # noqa: SIM905
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)


def negate(text: str) -> str | None:
    """Remove a negation, else add one after the first auxiliary or before an -s verb."""
    undone = _NEGATED.search(text)
    if undone:
        aux = undone.group(1) or undone.group(2)
        if aux:
            return text[: undone.start()] + aux + text[undone.end() :]
        word = undone.group(3).lower()
        return (
            text[: undone.start()]
            + {"cannot": "can", "can't": "can", "won't": "will"}[word]
            + (text[undone.end() :])
        )
    for never, always in ((r"\bnever\b", "always"), (r"\bno longer\b", "still")):
        if re.search(never, text):
            return re.sub(never, always, text, count=1)
    aux = _AUX.search(text)
    if aux:
        return text[: aux.end()] + " not" + text[aux.end() :]
    for verb in _VERB_S.finditer(text):
        word = verb.group(1)
        if verb.start() == 0:
            continue
        base = word[:-2] if word.endswith(("ches", "shes", "xes", "sses")) else word[:-1]
        return f"{text[: verb.start()]}does not {base}{text[verb.end() :]}"
    return None


def reverse(text: str) -> str | None:
    """Replace the first word with a known opposite by that opposite."""
    for match in re.finditer(r"[A-Za-z]+", text):
        word = match.group(0)
        opposite = ANTONYMS.get(word.lower())
        if opposite is None or (len(word) < 3 and word.lower() not in ("all",)):
            continue
        if word[0].isupper():
            opposite = opposite[0].upper() + opposite[1:]
        return text[: match.start()] + opposite + text[match.end() :]
    return None


def swap(text: str, entities: Sequence[str] = ()) -> str | None:
    """Exchange the first two different named entities of the sentence, else replace one by
    another entity of the item (``entities``)."""
    found = list(dict.fromkeys(m.group(0) for m in _ENTITY.finditer(text)))
    if len(found) >= 2:
        a, b = found[0], found[1]
        marker = "\x00"
        out = re.sub(rf"\b{re.escape(a)}\b", marker, text)
        out = re.sub(rf"\b{re.escape(b)}\b", a, out)
        return out.replace(marker, b)
    others = [e for e in entities if e not in found and e.lower() not in text.lower()]
    if found and others:
        return re.sub(rf"\b{re.escape(found[0])}\b", others[0], text, count=1)
    return None


def renumber(text: str) -> str | None:
    """Change the first number: digits doubled (or halved), number words moved by one."""
    match = _NUMBER.search(text)
    if match:
        value = float(match.group(1))
        new = value * 2 if value < 1000 else value / 2
        shown = str(int(new)) if new.is_integer() else f"{new:g}"
        return text[: match.start()] + shown + text[match.end() :]
    word = _WORD_NUMBER.search(text)
    if word:
        i = _NUMBER_WORDS.index(word.group(1).lower())
        other = _NUMBER_WORDS[i + 1 if i + 1 < len(_NUMBER_WORDS) else i - 1]
        return text[: word.start()] + other + text[word.end() :]
    return None


EDITS: dict[str, Callable[[str, Sequence[str]], str | None]] = {
    NEGATION: lambda text, _entities: negate(text),
    REVERSAL: lambda text, _entities: reverse(text),
    SWAP: swap,
    NUMBER: lambda text, _entities: renumber(text),
}
"""Each kind of contradiction and the edit that makes one."""


def touches(original: str, edited: str, point: str) -> bool:
    """Whether the edit changed words near something ``point`` talks about (an edit far from
    the point leaves the point's claim as it was)."""
    before, after = original.lower().split(), edited.lower().split()
    first = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), len(before)
    )
    window = before[max(first - 3, 0) : first + 4]
    wanted = {w.strip(".,;:()")[:5] for w in point.lower().split() if len(w) > 3}
    return any(w.strip(".,;:()")[:5] in wanted for w in window if len(w) > 3)


def entities_of(text: str) -> list[str]:
    """The named entities (acronyms, CamelCase names) of a text, first seen first."""
    return list(dict.fromkeys(m.group(0) for m in _ENTITY.finditer(text)))
