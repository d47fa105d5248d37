"""Fold questions asked twice (in other words, by other pages) into one item by similarity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from bot.content.parsers import RawQuestion
from bot.content.tagging import slugify
from bot.core.ports import Embedder, Vectors

MERGE_THRESHOLD = 0.80
"""Question cosine similarity at or above which two questions from different pages are one.

Tuned on the seed pages: paraphrases score 0.80-0.97 ("What are Sequence-to-Sequence Models?"),
while distinct questions from one topic reach 0.79 ("tokenization and embeddings" vs
"what does tokenization entail").
"""
ANSWER_ASSIST = (0.65, 0.75)
"""Two answered questions also merge when questions reach 0.65 and answers 0.75 (e.g.
"What is LoRA and QLoRA?" vs "What distinguishes LoRA from QLoRA": 0.735 / 0.819)."""
RELATED_FLOOR = 0.35
"""Minimum similarity for an answered item to be listed as related to a discussion prompt."""


@dataclass(slots=True)
class Group:
    """One item in the making: a primary question and the questions folded into it."""

    primary: RawQuestion
    others: list[RawQuestion] = field(default_factory=list)
    related: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MergeEvent:
    """A question folded into another one, for the import report."""

    kept: RawQuestion
    folded: RawQuestion
    score: float


def embed(embedder: Embedder, texts: Sequence[str], batch: int = 16) -> Vectors:
    """Encode texts in batches behind a progress bar."""
    chunks = [
        embedder.encode(texts[start : start + batch])
        for start in tqdm(range(0, len(texts), batch), desc="embedding questions", unit="batch")
    ]
    return np.vstack(chunks) if chunks else np.zeros((0, 1), dtype=np.float32)


def merge_questions(
    raw: Sequence[RawQuestion],
    embedder: Embedder,
    forced: Mapping[str, str] | None = None,
    threshold: float = MERGE_THRESHOLD,
) -> tuple[list[Group], list[MergeEvent]]:
    """Group paraphrased questions from different pages; answered questions lead their group.

    ``forced`` maps a question's slug to the slug of the primary question it must join (the
    hand-made decisions from the overrides file); other questions join the most similar group.
    """
    forced = forced or {}
    ordered = [q for q in raw if q.answer] + [q for q in raw if not q.answer]
    questions = embed(embedder, [q.question for q in ordered])
    answers = embed(embedder, [q.answer or q.question for q in ordered])
    groups: list[Group] = []
    anchors: list[int] = []
    events: list[MergeEvent] = []
    for index, question in enumerate(ordered):
        target, score = _best_group(index, ordered, groups, anchors, questions, answers, threshold)
        wanted = forced.get(slugify(question.question), None)
        if wanted == "":  # a hand-made decision to keep this question on its own
            target = None
        elif wanted:
            target = next(
                (g for g, group in enumerate(groups) if slugify(group.primary.question) == wanted),
                None,
            )
            score = (
                float(questions[anchors[target]] @ questions[index]) if target is not None else 0
            )
        if target is None:
            groups.append(Group(question))
            anchors.append(index)
            continue
        groups[target].others.append(question)
        events.append(MergeEvent(groups[target].primary, question, score))
    _relate_prompts(groups, questions[anchors])
    return groups, events


def _best_group(
    index: int,
    ordered: Sequence[RawQuestion],
    groups: Sequence[Group],
    anchors: Sequence[int],
    questions: Vectors,
    answers: Vectors,
    threshold: float,
) -> tuple[int | None, float]:
    """The group the question at ``index`` belongs to, with its question similarity."""
    question = ordered[index]
    best: tuple[int | None, float] = (None, 0.0)
    best_answered = False  # an answered group beats a prompt group whatever the scores
    for number, anchor in enumerate(anchors):
        group = groups[number]
        if question.source in {group.primary.source, *(q.source for q in group.others)}:
            continue  # a page never asks the same question twice
        q_sim = float(questions[anchor] @ questions[index])
        same = q_sim >= threshold
        if question.answer and group.primary.answer and not same:
            a_sim = float(answers[anchor] @ answers[index])
            same = q_sim >= ANSWER_ASSIST[0] and a_sim >= ANSWER_ASSIST[1]
        if same and (bool(group.primary.answer), q_sim) > (best_answered, best[1]):
            best, best_answered = (number, q_sim), bool(group.primary.answer)
    return best


def _relate_prompts(groups: list[Group], vectors: Vectors, limit: int = 3) -> None:
    """Give each prompt group the 1-3 answered groups closest to its question."""
    answered = [i for i, group in enumerate(groups) if group.primary.answer]
    for index, group in enumerate(groups):
        if group.primary.answer or not answered:
            continue
        scores = vectors[answered] @ vectors[index]
        ranked = sorted(range(len(answered)), key=lambda i: -float(scores[i]))[:limit]
        chosen = [answered[i] for i in ranked if float(scores[i]) >= RELATED_FLOOR]
        group.related = chosen or [answered[ranked[0]]]
