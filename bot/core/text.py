"""Small text helpers shared by retrieval and grading: tokens, stems, stopwords, Markdown."""

from __future__ import annotations

import re
from functools import lru_cache

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing done down during each
    either else etc even ever every few for from further get gets give given go going got
    had has have having he her here hers him his how however i if in into is it its itself
    just kind let like ll lot made make makes many may me might more most much must my
    myself need no nor not now of off on once one only or other our out over own per please
    pls quite rather re really s same say see she should so some something such sure t tell
    than thank thanks that the their them then there these they thing things this those
    through thus to too u under until up upon us use used uses using ve very via vs want was
    way we well were what whats when where whether which while who whom whose why will with
    within without would yes yet you your yours explain explained explaining explanation
    describe define definition meaning mean means elaborate idea concept concepts question
    questions answer work works working difference different differences differ compare
    comparison role purpose
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())
"""Words that carry no topic: function words and the phrasing of an ask or a question."""

FILLER = re.compile(
    r"\b(?:hey|hi|hello|ok|okay|so|please|pls|plz|can you|could you|would you|will you|"
    r"explain(?: to me)?|tell me(?: about)?|what(?:'s| is| are|s)|whats|describe|define|"
    r"help me understand|i want to know about|remind me(?: about| what)?|eli5|tldr)\b",
    re.IGNORECASE,
)
"""Phrasing that frames an ask rather than naming its subject."""

MENTION = re.compile(r"<[@#!&][^>]*>|(?<!\w)@[\w.-]+")
"""Slack/Discord mentions and plain @names."""

_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = (
    "izations",
    "isations",
    "ization",
    "isation",
    "ations",
    "ation",
    "izing",
    "ising",
    "ized",
    "ised",
    "izes",
    "ises",
    "ize",
    "ise",
    "ness",
    "ings",
    "ing",
    "ers",
    "er",
    "ed",
    "es",
    "e",
    "s",
)


def tokens(text: str) -> list[str]:
    """Lower-case alphanumeric words (hyphenated words split), at least two characters."""
    return [t for t in _TOKEN.findall(text.lower()) if len(t) > 1 or t.isdigit()]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude suffix-stripping stem: quantize, quantized, quantization -> quantiz-ish."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    """Stems of the topic-carrying words of ``text``, in order, without duplicates."""
    return list(dict.fromkeys(stem(t) for t in tokens(text) if t not in STOPWORDS))


def plain_text(markdown: str) -> str:
    """Markdown reduced to its words: no code fences, emphasis, bullets or headings."""
    text = re.sub(r"```[^\n]*\n?(.*?)```", r"\1", markdown, flags=re.S)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[-*+>#]+|\d+[.)])\s+", "", text, flags=re.M)
    text = re.sub(r"[*_`~|]+", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def clean_ask(text: str) -> str:
    """An explain ask without mentions, framing words and punctuation: 'what's DPO?' -> 'DPO'."""
    text = MENTION.sub(" ", text)
    text = text.replace("\u2019", "'")
    text = FILLER.sub(" ", text)
    text = re.sub(r"[?!.,;:\"()\[\]{}]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()
