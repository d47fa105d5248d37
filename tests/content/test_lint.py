"""The linter: each kind of problem is reported with file and line; the shipped bank is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.bank import DEFAULT_BANK_DIR
from bot.content.lint import lint_bank
from bot.core.ports import Embedder
from tests.content.conftest import good_item, write

PROMPT = """\
- id: open-question
  question: How would you design a tokenizer for code?
  answer: ''
  key_points: []
  topic: tokenization
  difficulty: hard
  source: test.txt
  related:
  - {related}
"""


def messages(directory: Path, embedder: Embedder | None = None) -> list[str]:
    return [str(problem) for problem in lint_bank(directory, embedder)]


def test_clean_bank_has_no_problems(tmp_path: Path) -> None:
    write(tmp_path, "tokenization.yaml", good_item() + PROMPT.format(related="what-tokenization"))
    assert messages(tmp_path) == []


def test_schema_errors_and_duplicate_ids_are_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tokenization.yaml",
        good_item().replace("difficulty: easy", "difficulty: brutal")
        + good_item("dup", "Q?")
        + good_item("dup", "Other?"),
    )
    found = messages(tmp_path)
    assert any(m.startswith(f"{path}:11:") and "easy, medium or hard" in m for m in found)
    assert any(m.startswith(f"{path}:25:") and "duplicate id 'dup'" in m for m in found)


def test_empty_answer_without_related_is_reported(tmp_path: Path) -> None:
    text = good_item().replace(
        "answer: |\n    Tokenization splits raw text into tokens.\n"
        "    Subwords keep the vocabulary small.\n",
        "answer: ''\n",
    )
    path = write(tmp_path, "tokenization.yaml", text)
    assert any(m.startswith(f"{path}:3:") and "empty answer" in m for m in messages(tmp_path))


def test_key_point_count_outside_three_to_six_is_reported(tmp_path: Path) -> None:
    text = good_item().replace(
        "  - Subwords handle rare words\n  - The vocabulary stays small\n", ""
    )
    path = write(tmp_path, "tokenization.yaml", text)
    assert any(m.startswith(f"{path}:6:") and "has 1 key points" in m for m in messages(tmp_path))


def test_leftover_chrome_is_reported_at_its_line(tmp_path: Path) -> None:
    text = good_item().replace(
        "    Subwords keep the vocabulary small.\n",
        "    Subwords keep the vocabulary small.\n    Follow for more AI/ML posts\n",
    )
    path = write(tmp_path, "tokenization.yaml", text)
    assert any(
        m.startswith(f"{path}:6:") and "page chrome" in m and "Follow for more" in m
        for m in messages(tmp_path)
    )


def test_unknown_related_id_and_wrong_file_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "tokenization.yaml", PROMPT.format(related="no-such-item"))
    other = write(tmp_path, "math.yaml", good_item())
    found = messages(tmp_path)
    assert any(m.startswith(f"{path}:8:") and "'no-such-item' does not exist" in m for m in found)
    assert any(
        m.startswith(f"{other}:10:") and "move the item to tokenization.yaml" in m for m in found
    )


@pytest.mark.slow
def test_near_duplicate_questions_are_reported(tmp_path: Path, embedder: Embedder) -> None:
    path = write(
        tmp_path,
        "tokenization.yaml",
        good_item("one", "What is tokenization in LLMs?")
        + good_item("two", "What is tokenization for LLMs?"),
    )
    found = messages(tmp_path, embedder)
    assert any(m.startswith(f"{path}:14:") and "near-duplicate of 'one'" in m for m in found)
    assert messages(tmp_path) == []  # skipped without an embedder


@pytest.mark.slow
def test_shipped_bank_lints_clean(embedder: Embedder) -> None:
    assert messages(DEFAULT_BANK_DIR, embedder) == []
