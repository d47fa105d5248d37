"""The team's own items (content/authored, `source: qotd`) join the generated bank."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.content.authored import read_authored
from bot.content.importer import add_authored, fold_into_authored, import_sources
from bot.content.schema import ContentError
from bot.core.model import Difficulty, Item
from bot.core.ports import Embedder, Vectors
from tests.content.conftest import SOURCES, good_item, write

FIXTURE = Path(__file__).parent / "data" / "authored"


class OneDirection:
    """Every text embeds to the same unit vector (only used where similarity is not read)."""

    def encode(self, texts: list[str]) -> Vectors:
        return np.ones((len(texts), 4), dtype=np.float32) / 2


def test_fixture_items_are_read_with_source_qotd() -> None:
    entries, problems = read_authored(FIXTURE)
    assert problems == []
    assert [e.item.id for e in entries] == [
        "speculative-decoding-speed-up-generation",
        "kv-cache-memory-cost",
        "draft-model-choice-speculative-decoding",
    ]
    assert {e.item.source for e in entries} == {"qotd"}


def test_missing_directory_means_no_authored_items(tmp_path: Path) -> None:
    assert read_authored(tmp_path / "absent") == ([], [])


def test_authored_id_used_by_an_imported_item_is_an_error_with_file_and_line(
    tmp_path: Path,
) -> None:
    write(tmp_path, "tokenization.yaml", good_item().replace("test.txt", "qotd"))
    entries, _ = read_authored(tmp_path)
    imported = Item(
        "what-tokenization",
        "What is tokenization?",
        "x",
        (),
        "tokenization",
        Difficulty.EASY,
        "001_page.txt",
    )
    with pytest.raises(ContentError) as caught:
        add_authored([imported], entries, OneDirection())
    assert f"{tmp_path}/tokenization.yaml:1: error: id 'what-tokenization'" in str(caught.value)
    assert "001_page.txt" in str(caught.value)


def test_import_refuses_a_broken_authored_file_and_writes_nothing(tmp_path: Path) -> None:
    authored = tmp_path / "authored"
    write(authored, "tokenization.yaml", good_item().replace("  source: test.txt\n", ""))
    out = tmp_path / "bank"
    result = CliRunner().invoke(
        app,
        [
            "content",
            "import",
            *map(str, SOURCES.glob("*.txt")),
            "--out",
            str(out),
            "--authored",
            str(authored),
        ],
    )
    assert result.exit_code == 1
    assert "authored/tokenization.yaml:1: error: authored item has no `source`" in result.output
    assert "Nothing was written." in result.output
    assert not out.exists()


@pytest.mark.slow
def test_authored_items_join_the_bank_cleaned(embedder: Embedder) -> None:
    entries, _ = read_authored(FIXTURE)
    result = import_sources(sorted(SOURCES.glob("*.txt")), embedder, {}, entries)
    by_id = {item.id: item for item in result.items}
    draft = by_id["draft-model-choice-speculative-decoding"]
    assert draft.is_prompt and draft.related == ("speculative-decoding-speed-up-generation",)
    assert by_id["kv-cache-memory-cost"].source == "qotd"
    assert result.skipped == ()
    assert len(result.items) == len(by_id)


@pytest.mark.slow
def test_authored_question_an_imported_item_asks_is_skipped(
    embedder: Embedder, tmp_path: Path
) -> None:
    kl = good_item("kl-divergence-again", "What is KL divergence and how is it used in LLMs?")
    prompt = """\
- id: kl-in-rlhf
  question: Why would you penalise KL divergence from the base model when tuning?
  answer: ''
  key_points: []
  topic: math
  difficulty: hard
  source: qotd
  related:
  - kl-divergence-again
"""
    write(
        tmp_path,
        "math.yaml",
        kl.replace("test.txt", "qotd").replace("tokenization", "math") + prompt,
    )
    entries, problems = read_authored(tmp_path)
    assert problems == []
    result = import_sources(sorted(SOURCES.glob("*.txt")), embedder, {}, entries)
    (skipped,) = result.skipped
    assert skipped.duplicate_of == "kl-divergence-used-llms"
    assert "math.yaml:1: skipped authored 'kl-divergence-again'" in str(skipped)
    by_id = {item.id: item for item in result.items}
    assert "kl-divergence-again" not in by_id
    assert by_id["kl-in-rlhf"].related == ("kl-divergence-used-llms",)


def test_override_folds_a_thin_imported_item_into_the_authored_one() -> None:
    def item(item_id: str, source: str, related: tuple[str, ...] = ()) -> Item:
        question = f"What is {item_id}?"
        return Item(
            item_id,
            question,
            f"{item_id} answer",
            ("a", "b", "c"),
            "evaluation",
            Difficulty.EASY,
            source,
            related=related,
        )

    thin, deep = item("judges", "003_page.txt"), item("llm-as-a-judge", "qotd")
    prompt = item("prompt", "003_page.txt", related=("judges", "llm-as-a-judge"))
    items = fold_into_authored([thin, deep, prompt], {"judges": "llm-as-a-judge"})
    assert [i.id for i in items] == ["llm-as-a-judge", "prompt"]
    assert items[0].alternate_questions == ("What is judges?",)
    assert items[0].alternate_answers == ("judges answer",)
    assert items[0].alternate_sources == ("003_page.txt",)
    assert items[1].related == ("llm-as-a-judge",)


def test_fold_into_an_imported_item_is_left_to_the_merge() -> None:
    one = Item("one", "What is one?", "x", (), "evaluation", Difficulty.EASY, "001_page.txt")
    two = Item("two", "What is two?", "y", (), "evaluation", Difficulty.EASY, "002_page.txt")
    assert fold_into_authored([one, two], {"one": "two"}) == [one, two]
