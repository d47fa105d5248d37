"""The linter: each kind of problem is reported with file and line; the shipped bank is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.authored import DEFAULT_AUTHORED_DIR
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
    found = lint_bank(DEFAULT_BANK_DIR, embedder, authored=DEFAULT_AUTHORED_DIR)
    assert [str(problem) for problem in found] == []


OLD_BANK = Path(__file__).parent / "data" / "bank_023997e"
"""Three files of the bank as committed at 023997e, before formulas and depth were checked."""

SHALLOW = """\
- id: why-quantize
  question: Why quantize a model?
  answer: |
    Quantization shrinks the weights. It makes inference cheaper.
  key_points:
  - Quantization shrinks the weights
  - Inference gets cheaper
  - Memory use drops
  topic: quantization
  difficulty: {difficulty}
  source: test.txt
"""


def test_raw_latex_is_reported_at_its_line(tmp_path: Path) -> None:
    text = good_item().replace(
        "Subwords keep the vocabulary small.", r"The loss is $\(L=-\sum y_{i}log(\hat{y}_{i})\)$"
    )
    write(tmp_path, "tokenization.yaml", text)
    (problem,) = messages(tmp_path)
    assert "tokenization.yaml:5: error: raw LaTeX in answer" in problem
    assert r"\sum" in problem


def test_internal_file_name_in_member_text_is_reported(tmp_path: Path) -> None:
    text = good_item().replace(
        "Subwords keep the vocabulary small.", "As 004_e5605f0827c389a1.txt puts it, subwords."
    )
    write(tmp_path, "tokenization.yaml", text)
    (problem,) = messages(tmp_path)
    assert "tokenization.yaml:5: error: internal file name '004_e5605f0827c389a1'" in problem


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_two_sentence_answer_rated_medium_or_hard_is_reported(
    tmp_path: Path, difficulty: str
) -> None:
    write(tmp_path, "quantization.yaml", SHALLOW.format(difficulty=difficulty))
    (problem,) = messages(tmp_path)
    assert "quantization.yaml:10" in problem
    assert f"is rated {difficulty} but its answer has 2 sentence(s) and 8 words" in problem
    assert "rate it easy" in problem


def test_two_sentence_answer_rated_easy_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "quantization.yaml", SHALLOW.format(difficulty="easy"))
    assert messages(tmp_path) == []


def test_new_checks_fail_on_the_bank_of_023997e() -> None:
    found = messages(OLD_BANK)
    latex = [p for p in found if "raw LaTeX" in p]
    depth = [p for p in found if "is rated" in p]
    assert any(p.startswith(f"{OLD_BANK}/math.yaml:3:") and "softmax" in p for p in latex)
    assert any("D_{KL}" in p for p in latex)
    assert any("architecture.yaml" in p for p in latex)
    assert any("'gptq-algorithm-relevance-llm-quantization' is rated hard" in p for p in depth)
    assert len(depth) >= 10


def test_authored_item_without_source_qotd_is_reported(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    write(bank, "tokenization.yaml", good_item())
    authored = good_item("what-bpe", "What is BPE?").replace("  source: test.txt\n", "")
    write(tmp_path / "authored", "tokenization.yaml", authored)
    wrong = good_item("what-wordpiece", "What is WordPiece?")
    write(tmp_path / "authored", "fundamentals.yaml", wrong)
    found = [str(p) for p in lint_bank(bank, authored=tmp_path / "authored")]
    assert any("authored/tokenization.yaml:1:" in p and "add `source: qotd`" in p for p in found), (
        found
    )
    assert any(
        "authored/fundamentals.yaml:12:" in p and "has source 'test.txt'" in p for p in found
    ), found
