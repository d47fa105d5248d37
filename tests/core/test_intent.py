"""The kind of answer an ask wants and a bank question gives (bot.core.intent)."""

from __future__ import annotations

import pytest

from bot.core.intent import Intent, QuestionKind, ask_intent, mismatch, question_intent


@pytest.mark.parametrize(
    ("ask", "intent"),
    [
        ("quantisation", Intent.TERM),
        ("MLM?", Intent.TERM),
        ("<@U024BE7LH> explain rlhf please", Intent.TERM),
        ("what's quantization in llms", Intent.DEFINE),
        ("why quantize a model", Intent.WHY),
        ("top-p vs top-k", Intent.COMPARE),
        ("masked lm versus causal lm", Intent.COMPARE),
        ("what types of quantization are there", Intent.TYPES),
        ("what are the steps of rlhf", Intent.TERM),
        ("how does lora cut the number of trainable params", None),
        ("How would you gather human comparisons of model responses to align a model?", None),
    ],
)
def test_ask_intent(ask: str, intent: Intent | None) -> None:
    assert ask_intent(ask) is intent


@pytest.mark.parametrize(
    ("question", "primary", "also"),
    [
        ("What is Quantization in Large Language Models (LLMs)?", Intent.DEFINE, set()),
        ("Why to Quantize LLMs?", Intent.WHY, set()),
        ("What are the types of Quantization?", Intent.TYPES, set()),
        ("What is RLHF, and why is it used for fine-tuning?", Intent.DEFINE, {Intent.WHY}),
        ("What is DPO, and how does it differ from RLHF?", Intent.DEFINE, {Intent.COMPARE}),
        ("What are some challenges or limitations of RLHF?", Intent.OTHER, set()),
        ("What is the primary objective of the pretraining phase?", Intent.OTHER, set()),
        ("Explain Low-Rank Adaptation (LoRA). How does it work?", Intent.DEFINE, set()),
        ("How does quantization reduce model size?", Intent.OTHER, set()),
    ],
)
def test_question_intent(question: str, primary: Intent, also: set[Intent]) -> None:
    kind = question_intent(question)
    assert kind.primary is primary
    assert kind.kinds == {primary, *also}


def test_a_bare_term_only_demotes_comparisons_and_typologies() -> None:
    define, why = (
        QuestionKind(Intent.DEFINE, frozenset({Intent.DEFINE})),
        QuestionKind(Intent.WHY, frozenset({Intent.WHY})),
    )
    compare = QuestionKind(Intent.COMPARE, frozenset({Intent.COMPARE}))
    assert not mismatch(Intent.TERM, define) and not mismatch(Intent.TERM, why)
    assert mismatch(Intent.TERM, compare)
    assert mismatch(Intent.DEFINE, why) and not mismatch(Intent.DEFINE, define)
    both = QuestionKind(Intent.DEFINE, frozenset({Intent.DEFINE, Intent.WHY}))
    assert not mismatch(Intent.WHY, both) and mismatch(Intent.COMPARE, both)
