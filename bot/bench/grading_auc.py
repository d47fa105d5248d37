"""Grading quality: ROC-AUC of the grade for answers to the question versus to other questions.

Positives: every alternate answer of a merged item (a second source answering the same
question) and the 'good' answers of tests/data/grading_dev.yaml. Negatives: the same answers
graded against other items, and the dev set's 'wrong' answers (answers to another question).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.grading import Grader
from bot.core.model import Item
from bot.core.ports import Embedder


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def grading_pairs(
    items: Sequence[Item],
    dev_rows: Sequence[Mapping[str, Any]],
    others: int = 2,
    seed: int = 0,
    *,
    alternates: bool = True,
) -> list[tuple[Item, str, bool]]:
    """(item, answer, addresses the item's question) triples; reference-length answers first
    (unless ``alternates`` is False), then the member-length answers of the grading dev set."""
    rng = random.Random(seed)
    by_id = {item.id: item for item in items}
    graded = [item for item in items if item.key_points]
    pairs: list[tuple[Item, str, bool]] = []
    answers = [(item, a) for item in graded if alternates for a in item.alternate_answers]
    answers += [
        (by_id[str(r["item"])], str(r["good"])) for r in dev_rows if str(r["item"]) in by_id
    ]
    for item, answer in answers:
        pairs.append((item, answer, True))
        for other in rng.sample([i for i in graded if i.id != item.id], others):
            pairs.append((other, answer, False))
    pairs += [
        (by_id[str(r["item"])], str(r["wrong"]), False) for r in dev_rows if str(r["item"]) in by_id
    ]
    return pairs


def grading_quality(
    grader: Grader, pairs: Sequence[tuple[Item, str, bool]], embedder: Embedder | None = None
) -> dict[str, Any]:
    """ROC-AUC, pair counts and grade latency percentiles over ``pairs``.

    With ``embedder``, a bare encode of the item's question is timed before each grade
    (interleaved, so machine load hits both) and the member-answer median is also given as a
    ratio to the median of the encodes timed next to those answers.
    """
    scores: list[tuple[float, bool]] = []
    times: list[float] = []
    member_times: list[float] = []  # answers of member length (the grading dev set)
    encode_times: list[float] = []  # bare encodes next to the member-length answers
    references = {a for item, _, _ in pairs for a in item.alternate_answers}
    warmed: set[str] = set()
    for item, answer, positive in pairs:
        if item.id not in warmed:  # a live thread grades many answers to one item
            grader.grade(item, answer)
            warmed.add(item.id)
        member = answer not in references
        if embedder is not None and member:
            start = time.perf_counter()
            embedder.encode([item.question])
            encode_times.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        grade = grader.grade(item, answer)
        times.append(1000 * (time.perf_counter() - start))
        if member:
            member_times.append(times[-1])
        scores.append((grade.score, positive))
    positives = [s for s, p in scores if p]
    negatives = [s for s, p in scores if not p]
    member_p50 = statistics.median(member_times) if member_times else float("nan")
    encode_p50 = statistics.median(encode_times) if encode_times else float("nan")
    return {
        "roc_auc": roc_auc(positives, negatives),
        "positives": len(positives),
        "negatives": len(negatives),
        "grade_ms_p50": statistics.median(times) if times else float("nan"),
        "grade_member_ms_p50": member_p50,
        "encode_ms_p50": encode_p50,
        "grade_member_ratio": member_p50 / encode_p50,
        "mean_positive": statistics.fmean(positives) if positives else float("nan"),
        "mean_negative": statistics.fmean(negatives) if negatives else float("nan"),
    }
