"""`qotd bench`: a small real run, and the ANN path of the retriever against the exact one."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.ann_index import build_ann
from bot.bench.grading_auc import roc_auc
from bot.bench.report import QUICK_ITEMS, render
from bot.bench.synthetic import synthetic_bank
from bot.core import retrieval
from bot.core.index import build_item_vectors
from bot.core.model import Difficulty, Item
from tests.fakes.hash_embedder import HashEmbedder


def _item(n: int, words: str) -> Item:
    return Item(
        id=f"item-{n}",
        question=f"What is {words}?",
        answer=f"{words.capitalize()} is explained here. It matters for {words} models.",
        key_points=(f"{words} basics",),
        topic="t",
        difficulty=Difficulty.EASY,
        source="test",
    )


TOPICS = ["beam search", "positional encoding", "low rank adaptation", "kl divergence"]


def test_roc_auc_counts_ties_half() -> None:
    assert roc_auc([3, 2], [1, 2]) == pytest.approx(0.875)


def test_ann_path_finds_what_exact_search_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [_item(n, t) for n, t in enumerate(TOPICS)]
    embedder = HashEmbedder()
    vectors = build_item_vectors(items, embedder)
    bank, big = synthetic_bank(items, vectors, 400)
    exact = retrieval.Retriever(bank, embedder, big)
    monkeypatch.setattr(retrieval, "EXACT_ROWS", 0)
    approximate = retrieval.Retriever(bank, embedder, big, index=build_ann(big.vectors, "faiss"))
    for topic in TOPICS:
        want = exact.search(f"explain {topic}").matches[0].item.id
        assert approximate.search(f"explain {topic}").matches[0].item.id == want


@pytest.mark.slow
def test_quick_bench_prints_every_section_as_json() -> None:
    """The real bench end to end on a slice (6 items, 12 graded answers, a 300-item synthetic
    bank, no cold start) with the real model: the JSON has every section, with sane values."""
    result = CliRunner().invoke(cli.app, ["bench", "--quick", "--sizes", "300", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["quick"] is True
    assert "cold_start" not in data

    assert set(data["quality"]) == {"qotd", "bm25", "dense-question"}
    ours = data["quality"]["qotd"]["all"]
    assert ours["asks"] >= QUICK_ITEMS
    assert ours["recall_at_1"] >= 0.6  # six items: a broken retriever would not find these
    assert ours["recall_at_1"] <= ours["recall_at_3"] <= 1.0

    grading = data["grading"]
    assert (grading["positives"], grading["negatives"]) == (3, 9)
    assert grading["roc_auc"] >= 0.9  # good answers to the question beat answers to others
    assert grading["mean_positive"] > grading["mean_negative"]
    assert grading["encode_ms_p50"] > 0 and grading["grade_member_ms_p50"] > 0
    assert math.isfinite(grading["grade_member_ratio"])

    truth = data["grading_truth"]
    assert set(truth) == {"dev", "held-out", "self"}
    own = truth.pop("self")
    assert own["items"] == 4 and own["points"] >= 12 and 0 <= own["contradicted"] <= 1
    for split in truth.values():
        assert split["items"] == 4 and split["answers"] >= 30
        assert set(split["contradictions"]) == {"swap", "reversal", "negation", "number"}
        assert 0 <= split["contradiction_marked"] <= 1
        assert split["good_mean"] > split["topical_wrong_mean"]  # right beats on-topic but wrong
        assert split["keywords_max"] <= 10  # a bare list of terms earns nothing
        assert split["grade_ms_p50"] > 0 and split["encode_ms_p50"] > 0

    assert set(data["speed"]) == {"bank", "300"}
    bank, synthetic = data["speed"]["bank"], data["speed"]["300"]
    assert bank["items"] == QUICK_ITEMS and bank["index"] == "exact"
    assert synthetic["items"] == 300 and synthetic["texts"] > bank["texts"]
    for timed in (bank, synthetic):
        assert 0 < timed["explain_ms"]["p50"] <= timed["explain_ms"]["p99"]
        assert timed["encode_ms"]["p50"] > 0
        assert math.isfinite(timed["ratio_p50"])
    assert data["synthetic"]
    assert data["memory"]["peak_mb"] > 0
    assert "grading ROC-AUC" in render(data)
    assert "grading truth" in render(data)
