"""A retriever grown by live items embeds only theirs, finds them (also behind a vector
index, whose rows are kept), and never returns hidden ones."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.index import ExactIndex, build_item_vectors, item_texts
from bot.core.model import Difficulty, Item
from bot.core.ports import Vectors
from bot.core.retrieval import Retriever
from tests.core.items import small_bank
from tests.fakes.hash_embedder import HashEmbedder

NEW = Item(
    id="jailbreak-prompt",
    question="What is a jailbreak prompt?",
    answer="A jailbreak prompt makes a model ignore its safety rules through role play.",
    key_points=("Crafted input", "Ignores safety rules", "Hidden in role play"),
    topic="safety",
    difficulty=Difficulty.EASY,
    source="suggested by Ada",
)


class Counting(HashEmbedder):
    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.encoded += texts
        return super().encode(texts)


def test_growing_embeds_only_the_new_item_and_finds_it() -> None:
    embedder = Counting()
    base = Retriever(small_bank(), embedder)
    embedder.encoded.clear()
    grown = base.with_items([NEW])
    assert embedder.encoded == list(item_texts([NEW])[1])
    assert grown.search("jailbreak prompt").matches[0].item.id == NEW.id
    assert base.search("jailbreak prompt").matches[0].item.id != NEW.id  # unchanged
    assert grown.with_items([NEW]) is grown


def test_items_added_behind_a_vector_index_are_scored_exactly() -> None:
    embedder = HashEmbedder()
    bank = small_bank()
    vectors = build_item_vectors(bank, embedder)
    index = ExactIndex(vectors.vectors)  # stands in for an ANN index: it holds the bank's rows
    base = Retriever(bank, embedder, vectors, index=index)
    base._exact = False  # as above EXACT_ROWS: candidates come from the index
    grown = base.with_items([NEW])
    grown._exact = False
    assert grown._index is index  # kept, not rebuilt
    query = embedder.encode(["model safety rules"])[0]
    new_index = len(bank)
    assert new_index in grown.candidates(query, []).tolist()  # no word of the ask nominates it
    assert grown.search("jailbreak prompt").matches[0].item.id == NEW.id


def test_hidden_items_are_never_returned() -> None:
    grown = Retriever(small_bank(), HashEmbedder()).with_items([NEW])
    found = grown.search("jailbreak prompt", hidden={NEW.id})
    assert all(m.item.id != NEW.id for m in (*found.matches, *found.related))
