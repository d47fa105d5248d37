"""What kind of answer an ask wants, and what kind a bank question gives.

A bank often holds several questions on one subject: "What is quantization?", "Why quantize
LLMs?", "What are the types of quantization?", "How does quantization reduce model size?".
Their words and embeddings are nearly the same, so the phrasing decides: a bare term
("quantisation", "MLM?") or "what's X" wants the definition, "why X" the motivation, "X vs Y"
the comparison. Explain ranks a question of another kind a little lower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.core.text import MENTION, STOPWORDS, tokens


class Intent(Enum):
    """The kind of answer a question asks for."""

    DEFINE = "define"
    TERM = "term"
    COMPARE = "compare"
    TYPES = "types"
    WHY = "why"
    OTHER = "other"


_COMPARE = re.compile(
    r"\b(?:vs|versus|differ|differs|differences?|distinguish\w*|compared?|comparing|"
    r"comparison|contrast|trade-?offs?|between)\b"
)
_TYPES = re.compile(r"\b(?:types?|kinds?|categories|variants|flavou?rs)\s+of\b|\bwhat\s+types?\b")
_WHY = re.compile(r"^(?:\W*\w+\W+){0,3}?why\b|\bwhy\s+(?:is|are|do|does|should|would|to)\b")
_PROPERTY = (
    r"(?!(?:the\s+)?(?:\w+\s+)?(?:role|purpose|objective|impact|effect|goal|steps|stages|"
    r"derivative|challenges|limitations|benefits|advantages|pros|architectures)\b|some\b|"
    r"common\b|any\b|your\b)"
)
"""Not followed by a property of the subject ('the steps of', 'some challenges of')."""
_DEFINE_HEAD = re.compile(
    r"^\s*(?:(?:briefly\s+)?(?:what\s+(?:is|are)|what's|define|explain|what\s+defines)"
    r"\s+" + _PROPERTY + r"|how\s+(?:does|do)\s+.{1,60}?\s+work\b)"
)
"""'What is X', 'Explain X', 'How does X work': not 'What are the challenges of X'."""
_CLAUSES = re.compile(r"[?.;]\s+|,?\s+and\s+(?=(?:how|why|what|where|when|which)\b)")
_DEFINE_ASK_HEAD = re.compile(
    r"^\s*(?:(?:hey|hi|ok|so|pls|please|can you|could you)\s+)*"
    r"(?:what\s+(?:is|are)|what's|whats|define)\s+" + _PROPERTY
)
BARE_TERMS = 3
"""An ask of at most this many content words and no question word names a term to define."""


def _kind(text: str) -> Intent | None:
    """The comparison, typology or motivation a text asks for, if it asks for one of them."""
    if _COMPARE.search(text):
        return Intent.COMPARE
    if _TYPES.search(text):
        return Intent.TYPES
    if _WHY.search(text):
        return Intent.WHY
    return None


@dataclass(frozen=True, slots=True)
class QuestionKind:
    """The kind of a bank question's first clause, and the kinds of all its clauses
    ('What is RLHF, and why is it used?' defines first, and says why too)."""

    primary: Intent
    kinds: frozenset[Intent]


def question_intent(question: str) -> QuestionKind:
    """The kinds of answer a bank question gives."""
    text = question.lower().replace("\u2019", "'")
    kinds = []
    for clause in _CLAUSES.split(text):
        kind = _kind(clause)
        if kind is None:
            kind = Intent.DEFINE if _DEFINE_HEAD.search(clause) else Intent.OTHER
        kinds.append(kind)
    return QuestionKind(kinds[0], frozenset(kinds))


def ask_intent(ask: str) -> Intent | None:
    """The kind of answer an explain ask wants, or None when its phrasing doesn't say."""
    text = MENTION.sub(" ", ask).lower().replace("\u2019", "'").strip()
    kind = _kind(text)
    if kind is not None:
        return kind
    words = tokens(text)
    content = [w for w in words if w not in STOPWORDS]
    interrogative = {"how", "when", "where", "which", "who", "whom", "whose", "does", "do", "can"}
    if _DEFINE_ASK_HEAD.search(text) and len(content) <= BARE_TERMS + 1:
        return Intent.DEFINE
    if content and len(content) <= BARE_TERMS and not interrogative & set(words):
        return Intent.TERM
    return None


def mismatch(wanted: Intent, given: QuestionKind) -> bool:
    """Whether a question of kind ``given`` answers an ask wanting ``wanted`` less well.

    A bare term ('lora', 'explain rlhf') wants the subject's general item, of any kind but a
    comparison or a list of types; 'what is X' wants a question that starts by defining; a
    comparison, a why or a typology wants a question that asks for it somewhere.
    """
    if wanted is Intent.TERM:
        return given.primary in (Intent.COMPARE, Intent.TYPES)
    if wanted is Intent.DEFINE:
        return given.primary is not Intent.DEFINE
    return wanted not in given.kinds
