"""What an approved suggestion costs the running bank: growing the shipped bank's retriever by
one item (``Retriever.with_items``) against re-embedding every text of the bank.

``python benchmarks/live_item.py [--model]``: hash vectors by default (the retriever's own
work only); ``--model`` uses the bundled MiniLM and also times the full re-embedding.
"""

from __future__ import annotations

import sys
import time

from bot.content.bank import load_bank
from bot.core.index import build_item_vectors, item_texts
from bot.core.model import Difficulty, Item
from bot.core.ports import Embedder
from bot.core.retrieval import Retriever
from tests.fakes.hash_embedder import HashEmbedder

ANSWER = (
    "A jailbreak prompt is an input crafted to make a model ignore its safety rules. "
    "Attackers hide the request inside role play, fictional framing or encoded text. "
    "Defences combine refusal training, input filters and red-team testing before release."
)
NEW = Item(
    "jailbreak-prompt",
    "What is a jailbreak prompt?",
    ANSWER,
    tuple(s.rstrip(".") for s in ANSWER.split(". ")),
    "safety",
    Difficulty.EASY,
    "suggested by Sam",
)


def main() -> None:
    model = "--model" in sys.argv
    embedder: Embedder
    if model:
        from bot.embeddings import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
        embedder.encode(["warm up"])
    else:
        embedder = HashEmbedder()
    bank = load_bank().items
    vectors = build_item_vectors(bank, embedder)
    base = Retriever(bank, embedder, vectors)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        grown = base.with_items([NEW])
        runs.append(time.perf_counter() - started)
    assert grown.search("jailbreak prompt").matches[0].item.id == NEW.id
    print(
        f"bank: {len(bank)} items, {len(vectors.texts)} texts; new item: "
        f"{len(item_texts([NEW])[1])} texts embedded"
    )
    print("with_items, 5 runs (s): " + " ".join(f"{r:.2f}" for r in runs))
    if model:
        started = time.perf_counter()
        embedder.encode(list(vectors.texts))
        print(f"re-embedding the whole bank instead: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
