"""Derive an item's id, topic, difficulty and key points from its question and answer."""

from __future__ import annotations

import re

from bot.core.model import Difficulty

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "for",
        "to",
        "is",
        "are",
        "was",
        "be",
        "do",
        "does",
        "did",
        "how",
        "what",
        "why",
        "when",
        "which",
        "who",
        "can",
        "could",
        "would",
        "should",
        "you",
        "your",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "with",
        "by",
        "as",
        "at",
        "from",
        "into",
        "some",
        "there",
        "their",
        "between",
        "explain",
        "describe",
        "briefly",
        "typically",
        "common",
        "commonly",
    ]
)


def slugify(question: str, max_words: int = 6) -> str:
    """A stable, readable id derived from the question's significant words."""
    words = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", question.lower().replace("\u2019", "'"))
    kept = [w for w in words if w not in _STOP_WORDS] or words
    return "-".join(kept[:max_words])


_TOPIC_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("preference-tuning", ("rlhf", "preference", "reward", "dpo", "ppo", "proximal policy")),
    ("fine-tuning", ("fine-tun", "finetun", "lora", "peft", "catastrophic forgetting")),
    ("quantization", ("quantiz", "gptq")),
    ("retrieval", ("retrieval", "rag)", "knowledge graph")),
    ("decoding", ("beam search", "greedy", "temperature", "top-k", "top-p", "decoding")),
    ("prompting", ("prompt", "chain-of-thought", "few-shot", "zero-shot")),
    ("tokenization", ("tokeniz", "vocabulary", "oov")),
    (
        "math",
        (
            "softmax",
            "dot product",
            "cross-entropy",
            "gradient",
            "jacobian",
            "eigen",
            "kl divergence",
            "derivative",
            "chain rule",
        ),
    ),
    ("evaluation", ("evaluat", "metric", "benchmark", "measure the performance")),
    ("safety", ("bias", "harmful", "hallucinat", "offensive", "interpretab", "adversarial")),
    ("deployment", ("deploy", "latency", "production", "distillation", "carbon")),
    (
        "pretraining",
        (
            "pretrain",
            "pre-train",
            "masked language",
            "next sentence",
            "scaling",
            "transfer learning",
            "causal language",
        ),
    ),
    (
        "architecture",
        (
            "attention",
            "transformer",
            "encoder",
            "decoder",
            "positional",
            "mixture of experts",
            "mixture-of-experts",
            "seq2seq",
            "sequence-to-sequence",
            "context window",
            "context length",
            "embedding",
            "architecture",
            "long-range",
        ),
    ),
)

_SECTION_TOPICS = {
    "pretraining": "pretraining",
    "quantization": "quantization",
    "preference tuning": "preference-tuning",
    "finetuning": "fine-tuning",
}


def guess_topic(question: str, section: str = "") -> str:
    """The first topic whose keywords are in the question, else the section's, else fundamentals."""
    text = question.lower()
    for topic, keywords in _TOPIC_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return topic
    return _SECTION_TOPICS.get(section.lower(), "fundamentals")


_SECTION_LEVELS = (
    ("fundamentals", Difficulty.EASY),
    ("research", Difficulty.HARD),
    ("difficult", Difficulty.HARD),
    ("tricky", Difficulty.MEDIUM),
    ("conceptual", Difficulty.MEDIUM),
    ("comparative", Difficulty.MEDIUM),
)
_HARD_WORDS = (
    "design",
    "architect",
    "algorithm",
    "jacobian",
    "hessian",
    "ppo",
    "kl divergence",
    "eigen",
    "ablation",
    "gptq",
    "three stages",
)


def guess_difficulty(question: str, answer: str, section: str = "", level: str = "") -> Difficulty:
    """Easy for short definitions, hard for senior/design/maths questions, medium otherwise."""
    if level in ("senior", "lead", "principal", "staff"):
        return Difficulty.HARD
    for marker, difficulty in _SECTION_LEVELS:
        if marker in section.lower():
            return difficulty
    text = question.lower()
    if any(word in text for word in _HARD_WORDS) or len(answer) > 2200:
        return Difficulty.HARD
    if re.match(r"^(what (is|are|does)|define)\b", text) and len(answer) < 450:
        return Difficulty.EASY
    return Difficulty.MEDIUM


DEPTH_FLOORS = {Difficulty.HARD: (5, 90, 160), Difficulty.MEDIUM: (3, 40, 80)}
"""(sentences, words, or words alone) an answer needs to be rated hard or medium: a
two-sentence answer is an easy item whatever the question sounds like, unless its sentences
are long (a 118-word comparison in two sentences is a medium one)."""
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def answer_depth(answer: str) -> tuple[int, int]:
    """(sentences, words) of an answer; each list item counts as one sentence."""
    sentences = 0
    for line in answer.splitlines():
        text = line.strip()
        if not text:
            continue
        if _LIST_ITEM.match(text):
            sentences += 1
        else:
            sentences += max(1, len(re.findall(r"[.!?](?=\s|$)", text)))
    return sentences, len(answer.split())


def depth_difficulty(answer: str) -> Difficulty:
    """The highest difficulty the answer is deep enough for."""
    sentences, words = answer_depth(answer)
    for difficulty, (min_sentences, min_words, long_words) in DEPTH_FLOORS.items():
        if (sentences >= min_sentences and words >= min_words) or words >= long_words:
            return difficulty
    return Difficulty.EASY


_RANK = {Difficulty.EASY: 0, Difficulty.MEDIUM: 1, Difficulty.HARD: 2}


def fit_difficulty(difficulty: Difficulty, answer: str) -> Difficulty:
    """``difficulty`` lowered to what the answer's depth supports (prompts keep theirs)."""
    if not answer.strip():
        return difficulty
    ceiling = depth_difficulty(answer)
    return ceiling if _RANK[ceiling] < _RANK[difficulty] else difficulty
