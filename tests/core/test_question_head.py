"""The head of a bank question: the subject a short explain ask names."""

from __future__ import annotations

import pytest

from bot.core.lexical import question_head


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("What is the KV cache, and why does it speed up generation?", ["kv", "cach"]),
        ("What is KV-cache quantization, and what are its trade-offs?", ["kv", "cach", "quant"]),
        ("What is perplexity, how is it computed?", ["perplexity"]),
        (
            "How does chain-of-thought (CoT) prompting aid reasoning?",
            ["chain", "thought", "prompt", "aid", "reason"],
        ),
        ("What happens in each stage of a tokenizer pipeline?", ["stag", "tokeniz", "pipelin"]),
    ],
)
def test_head_is_the_first_clause_without_phrasing_or_brackets(
    question: str, head: list[str]
) -> None:
    assert question_head(question) == head
