"""Loading the bank: the shipped files load; broken files are refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.bank import Bank, load_bank
from bot.content.schema import ContentError
from bot.core.model import TOPICS, Item
from tests.content.conftest import good_item, write


def test_shipped_bank_loads_as_core_items() -> None:
    bank = load_bank()
    assert isinstance(bank, Bank)
    assert len(bank) == len(bank.answered) + len(bank.prompts)
    assert all(isinstance(item, Item) for item in bank.items)
    assert bank.by_id["distinguishes-lora-qlora-fine-tuning-llms"].topic == "fine-tuning"
    assert set(bank.topics()) <= set(TOPICS)
    assert all(item.related for item in bank.prompts)
    with pytest.raises(TypeError):
        bank.by_id["x"] = bank.items[0]  # type: ignore[index]


def test_a_valid_directory_loads(tmp_path: Path) -> None:
    write(tmp_path, "tokenization.yaml", good_item())
    bank = load_bank(tmp_path)
    [item] = bank.items
    assert item.key_points == (
        "Text is split into tokens",
        "Subwords handle rare words",
        "The vocabulary stays small",
    )
    assert item.answer.startswith("Tokenization splits raw text")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (good_item() + "  - broken: [\n", 13, "YAML syntax error"),
        (good_item().replace("  topic: tokenization\n", ""), 1, "missing the required key 'topic'"),
        (
            good_item().replace("topic: tokenization", "topic: cooking"),
            10,
            "unknown topic 'cooking'",
        ),
        (good_item().replace("difficulty: easy", "difficulty: brutal"), 11, "easy, medium or hard"),
        (
            good_item().replace("key_points:\n", "key_points: tokens\n").replace("  - ", "  # "),
            6,
            "list of strings",
        ),
        (good_item().replace("source: test.txt", "source: [a, b]"), 12, "single string"),
        (good_item() + "  colour: red\n", 13, "unknown key 'colour'"),
    ],
)
def test_broken_file_is_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    write(tmp_path, "aaa.yaml", good_item("first-ok", "What is a token?"))
    path = write(tmp_path, "tokenization.yaml", text)
    with pytest.raises(ContentError) as caught:
        load_bank(tmp_path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message
    assert fragment in message


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", good_item("same-id", "What is a token?"))
    second = write(tmp_path, "tokenization.yaml", good_item("same-id", "Define tokenization"))
    with pytest.raises(ContentError, match="duplicate id 'same-id'") as caught:
        load_bank(tmp_path)
    assert f"{second}:1:" in str(caught.value)


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"no \*\.yaml bank files"):
        load_bank(tmp_path)
