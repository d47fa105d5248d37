"""The importer end to end on the seed pages, with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.authored import DEFAULT_AUTHORED_DIR, read_authored
from bot.content.bank import DEFAULT_BANK_DIR, write_bank
from bot.content.importer import DEFAULT_OVERRIDES, ImportResult, import_sources, load_overrides
from bot.core.ports import Embedder
from tests.content.conftest import SOURCES

pytestmark = pytest.mark.slow

OVERLAPS_001_004 = (
    "What is LoRA and QLoRA?",
    "What are Sequence-to-Sequence Models?",
    "What is Multi-head attention?",
    "What is next sentence prediction and how is useful in language modelling?",
    "How can catastrophic forgetting be mitigated in large language models (LLMs)?",
    "What is overfitting in machine learning, and how can it be prevented?",
    "What are Generative and Discriminative models?",
    "How is GPT-4 different from its predecessors like GPT-3 in terms of capabilities and "
    "applications?",
)


@pytest.fixture(scope="module")
def imported(embedder: Embedder) -> ImportResult:
    return import_sources(sorted(SOURCES.glob("*.txt")), embedder, {})


def test_paraphrases_from_001_and_004_merge_without_hand_fixes(imported: ImportResult) -> None:
    folded = {q: item for item in imported.items for q in item.alternate_questions}
    for question in OVERLAPS_001_004:
        assert folded[question].source.startswith("001_"), question
    lora = folded["What is LoRA and QLoRA?"]
    assert lora.question == "What distinguishes LoRA from QLoRA in fine-tuning LLMs?"
    assert lora.alternate_sources == ("004_e5605f0827c389a1.txt",)
    assert lora.alternate_answers[0].startswith("LoRA and QLoRA are techniques")


def test_unanswered_questions_become_prompts_or_alternates(imported: ImportResult) -> None:
    by_question = {item.question: item for item in imported.items}
    assert "What is a hyperparameter?" not in by_question  # folded into the 001 item
    prompt = by_question["Why is gradient checkpointing useful when training LLMs at scale?"]
    assert prompt.is_prompt and 1 <= len(prompt.related) <= 3
    ids = {item.id for item in imported.items}
    assert all(set(item.related) <= ids for item in imported.items)
    assert len({item.id for item in imported.items}) == len(imported.items)


def test_ids_come_from_questions(imported: ImportResult) -> None:
    ids = {item.id for item in imported.items}
    assert "distinguishes-lora-qlora-fine-tuning-llms" in ids
    assert "why-quantize-llms" not in ids and "quantize-llms" in ids


def test_reimport_with_overrides_reproduces_the_committed_bank(
    embedder: Embedder, tmp_path: Path
) -> None:
    authored, problems = read_authored(DEFAULT_AUTHORED_DIR)
    assert problems == []
    result = import_sources(
        sorted(SOURCES.glob("*.txt")), embedder, load_overrides(DEFAULT_OVERRIDES), authored
    )
    assert result.unused_overrides == ()
    written = write_bank(result.items, tmp_path)
    committed = sorted(DEFAULT_BANK_DIR.glob("*.yaml"))
    assert [p.name for p in written] == [p.name for p in sorted(committed, key=_topic_order)]
    for path in written:
        assert path.read_text() == (DEFAULT_BANK_DIR / path.name).read_text(), path.name


def _topic_order(path: Path) -> int:
    from bot.core.model import TOPICS

    return TOPICS.index(path.stem)
