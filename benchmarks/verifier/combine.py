"""The grader with and without a trained verifier, on both grading splits, side by side.

``python -m benchmarks.verifier.combine ARTIFACT SHA256`` prints the bench's grading-truth
lines for the rules alone and for the rules read with the verifier (``Grader(verifier=…)``).
The verifier was trained on the tuning split's answers, so only the held-out lines count.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.verifier.model import CrossVerifier
from bot.bench.grading_truth import render, self_consistency, truth_report
from bot.content.bank import load_bank
from bot.core.grading import ALIGN_AT, Grader
from bot.core.model import CONTRADICTED, COVERED, MISSED, Item, Verdict
from bot.core.ports import Embedder
from bot.core.text import STOPWORDS, stem, tokens
from bot.embeddings import SentenceTransformerEmbedder

DATA = Path(__file__).parents[2] / "tests" / "data"
CONTRADICT_AT = 0.5
"""Probability of "contradicts" at which an aligned clause contradicts a key point."""
ENTAIL_AT = 0.5
"""Probability of "entails" at which an aligned clause states a key point."""
VERIFY_PIECES = 2
"""Clauses most aligned to each key point that the verifier reads with it."""
CONFLICT = "conflict"


def _stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in STOPWORDS}


class VerifiedGrader(Grader):
    """The rules' verdicts, then the verifier's reading of each key point against the clauses
    most aligned to it: a contradiction it sees is one; a point it sees stated is covered; a
    rule's contradiction it reads as stated is dropped."""

    def __init__(self, embedder: Embedder, verifier: CrossVerifier) -> None:
        super().__init__(embedder)
        self._verifier = verifier

    def verdicts(self, item: Item, answer: Any, answer_text: str) -> list[Verdict]:
        verdicts = super().verdicts(item, answer, answer_text)
        key_vectors, _ = self._vectors_of(item)
        sims = answer.vectors @ key_vectors.T
        asks: list[tuple[int, int]] = []
        for k in range(len(item.key_points)):
            order = [int(p) for p in np.argsort(-sims[:, k])[:VERIFY_PIECES]]
            asks += [(k, p) for p in order if float(sims[p, k]) >= ALIGN_AT]
        if not asks:
            return verdicts
        texts = answer.texts
        probs = self._verifier.judge([(item.key_points[k], texts[p]) for k, p in asks])
        out = list(verdicts)
        for k, verdict in enumerate(verdicts):
            mine = [(p, probs[i]) for i, (kk, p) in enumerate(asks) if kk == k]
            if not mine:
                continue
            entail = max(mine, key=lambda pr: float(pr[1][0]))
            against = max(mine, key=lambda pr: float(pr[1][1]))
            point = item.key_points[k]
            if float(against[1][1]) >= CONTRADICT_AT and float(entail[1][0]) < ENTAIL_AT:
                if verdict.status != CONTRADICTED:
                    out[k] = Verdict(point, CONTRADICTED, texts[against[0]], CONFLICT)
            elif float(entail[1][0]) >= ENTAIL_AT and verdict.status != COVERED:
                text = texts[entail[0]]
                said_more = bool(_stems(text) - _stems(item.question))
                if verdict.status == CONTRADICTED or (verdict.status == MISSED and said_more):
                    out[k] = Verdict(point, COVERED, text)
        return out


def main(artifact: Path, sha256: str) -> None:
    """Print the figures of both graders."""
    items = load_bank().items
    embedder = SentenceTransformerEmbedder()
    verifier = CrossVerifier(artifact, sha256)
    for name, grader in (
        ("rules", Grader(embedder)),
        ("rules + verifier", VerifiedGrader(embedder, verifier)),
    ):
        result = truth_report(grader, items, DATA, embedder=embedder)
        result["self"] = self_consistency(grader, items)
        print(f"== {name}")
        print("\n".join(render(result)), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m benchmarks.verifier.combine ARTIFACT SHA256")
    main(Path(sys.argv[1]), sys.argv[2])
