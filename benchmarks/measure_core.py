"""Measure explain quality and latency, and grade latency, with the real model.

Run: .venv/bin/python benchmarks/measure_core.py  (prints one line per figure)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bot.content.bank import load_bank
from bot.core import evaluation
from bot.core.grading import Grader
from bot.core.retrieval import ExplainResult, Retriever
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> None:
    """Print recall, MRR, abstention and median latencies over the dev sets."""
    items = load_bank().items
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as cache:
        retriever = Retriever(items, embedder, cached_item_vectors(items, embedder, cache))
    cases = evaluation.parse_dev_set(yaml.safe_load((DATA / "explain_dev.yaml").read_text()))
    timings: list[float] = []

    def search(ask: str) -> ExplainResult:
        start = time.perf_counter()
        result = retriever.search(ask, 3)
        timings.append(time.perf_counter() - start)
        return result

    outcomes = evaluation.run(search, cases)
    report = evaluation.report(outcomes)
    print(f"asks                 {report.asks}")
    print(f"recall@1             {report.recall_at_1:.3f}")
    print(f"recall@3             {report.recall_at_3:.3f}")
    print(f"MRR                  {report.mrr:.3f}")
    print(f"on-topic answered    {report.answered:.3f}")
    print(f"off-topic declined   {report.declined:.3f}")
    print(f"abstention precision {report.abstention_precision:.3f}")
    print(f"threshold suggested  {evaluation.best_threshold(outcomes):.3f}")
    print(f"explain median ms    {1000 * statistics.median(timings):.1f} over {len(timings)}")

    by_id = {item.id: item for item in items}
    grader = Grader(embedder)
    rows = yaml.safe_load((DATA / "grading_dev.yaml").read_text())
    grade_times: list[float] = []
    ordered = 0
    for row in rows:
        item = by_id[row["item"]]
        scores = []
        for kind in ("good", "partial", "wrong"):
            for _ in range(3):
                start = time.perf_counter()
                grade = grader.grade(item, row[kind])
                grade_times.append(time.perf_counter() - start)
            scores.append(grade.score)
        ordered += scores[0] > scores[1] > scores[2] or scores[0] > scores[1] == scores[2] == 0
    print(f"grading ordered      {ordered}/{len(rows)}")
    median = 1000 * statistics.median(grade_times)
    print(f"grade median ms      {median:.1f} over {len(grade_times)}")


if __name__ == "__main__":
    main()
