"""Explain retrieval with the real model over the shipped bank and the hand-written dev set."""

from __future__ import annotations

import pytest

from bot.core import evaluation
from bot.core.retrieval import Retriever
from tests.core.conftest import load_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_report(retriever: Retriever) -> evaluation.Report:
    cases = evaluation.parse_dev_set(load_data("explain_dev.yaml"))
    return evaluation.report(evaluation.run(lambda q: retriever.search(q, 3), cases))


def test_dev_set_is_large_enough_and_points_at_answered_items(retriever: Retriever) -> None:
    rows = evaluation.parse_dev_set(load_data("explain_dev.yaml"))
    ids = {item.id for item in retriever.items}
    assert len(rows) >= 120
    assert sum(row.expected is None for row in rows) >= 10
    assert {row.expected for row in rows if row.expected} <= ids


def test_dev_set_recall(dev_report: evaluation.Report) -> None:
    # measured 2026-11-24 on the 127-item bank: R@1 0.919, R@3 0.988, MRR 0.950.
    # 2026-12-02, the 274-item bank (authored items compete for the old asks): R@1 0.866,
    # R@3 0.953, MRR 0.904 counting `also` items (strict: 0.791 / 0.942 / 0.857).
    # Retuned for it (question-head bonus, closest typo form, intent penalty 0.05), on the
    # 273-item bank: R@1 0.884, R@3 0.948, MRR 0.912 (strict 0.826 / 0.936 / 0.874).
    assert dev_report.recall_at_1 >= 0.88
    assert dev_report.recall_at_3 >= 0.94
    assert dev_report.mrr >= 0.91


def test_held_out_asks_do_as_well_as_the_tuning_ones(retriever: Retriever) -> None:
    cases = [c for c in evaluation.parse_dev_set(load_data("explain_dev.yaml")) if c.held_out]
    report = evaluation.report(evaluation.run(lambda q: retriever.search(q, 3), cases))
    # measured 2026-11-24: R@1 0.96, R@3 0.96, all 4 off-topic declined;
    # 2026-12-02 on the 274-item bank: R@1 0.84, R@3 0.92 (see test_dev_set_recall);
    # after the retuning (273 items): R@1 0.837, R@3 0.898 (the same code before it: 0.837,
    # 0.918): the dev asks' gain did not carry over to these 55
    assert len(cases) >= 25
    assert report.recall_at_1 >= 0.83
    assert report.declined == 1.0


def test_dev_set_abstention(dev_report: evaluation.Report) -> None:
    # measured: 122/123 real asks answered, 16/16 off-topic declined
    assert dev_report.answered >= 0.97
    assert dev_report.declined >= 7 / 8


@pytest.mark.parametrize(
    ("ask", "expected"),
    [
        ("explain lora", "lora"),
        ("what's DPO?", "dpo"),
        ("gptq?", "gptq"),
        ("kl divergence", "kl-divergence"),
        ("explain kv cache", "kv-cache-speed-up-autoregressive-generation"),
        ("tokenisation", "tokenization-entail-critical-llms"),
    ],
)
def test_short_chat_asks_find_their_item(retriever: Retriever, ask: str, expected: str) -> None:
    result = retriever.search(ask)
    assert not result.abstained
    assert expected in result.matches[0].item.id


def test_a_short_ask_gets_the_general_item_and_the_specific_ones_as_related(
    retriever: Retriever,
) -> None:
    result = retriever.search("explain kv cache")
    assert result.matches[0].item.id == "kv-cache-speed-up-autoregressive-generation"
    assert not result.weak
    assert "kv-cache-quantization-trade-offs" in {m.item.id for m in result.related}
    specific = retriever.search("kv cache quantization")
    assert specific.matches[0].item.id == "kv-cache-quantization-trade-offs"


def test_typo_is_corrected_against_the_bank_vocabulary(retriever: Retriever) -> None:
    result = retriever.search("positonal encodings")
    assert not result.abstained
    assert "positional-encoding" in result.matches[0].item.id


def test_mentions_and_politeness_are_ignored(retriever: Retriever) -> None:
    plain = retriever.search("beam search")
    chatty = retriever.search("<@U024BE7LH> tell me about beam search please?")
    assert chatty.matches[0].item.id == plain.matches[0].item.id


@pytest.mark.parametrize(
    "ask",
    ["what's the weather in Paris", "best pizza recipe", "explain kubernetes pod autoscaling"],
)
def test_off_topic_ask_abstains_but_names_nearest_topics(retriever: Retriever, ask: str) -> None:
    result = retriever.search(ask)
    assert (
        result.abstained or result.weak
    )  # declined, or shown only as "nearest", never as the answer
    assert len(result.matches) == 3
    assert result.nearest_topics
    assert all(m.score < result.matches[0].score + 1e-9 for m in result.matches)


def test_matches_are_sorted_scores_in_unit_interval(retriever: Retriever) -> None:
    result = retriever.search("How does beam search differ from greedy decoding?", k=5)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_discussion_prompts_are_never_returned(retriever: Retriever) -> None:
    assert all(not item.is_prompt for item in retriever.items)


def test_empty_ask_abstains_without_matches(retriever: Retriever) -> None:
    result = retriever.search("  explain?  ")
    assert result.abstained
    assert result.matches == ()
