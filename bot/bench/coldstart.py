"""Cold start, run in a fresh interpreter: ``python -m bot.bench.coldstart model|bank CACHE``.

'model' imports and loads the embedding model only (the floor); 'bank' does what the bot does
at start: model, bank, item vectors through the embedding cache at CACHE, retriever, grader.
Prints the seconds taken since the interpreter started running this module.
"""

from __future__ import annotations

import sys
import time

START = time.perf_counter()


def main(argv: list[str]) -> None:
    """Run one cold start and print its duration in seconds."""
    from bot.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    if argv[0] == "bank":
        from bot.content.bank import load_bank
        from bot.core.grading import Grader
        from bot.core.retrieval import Retriever
        from bot.embedding_cache import cached_item_vectors

        items = load_bank().items
        Retriever(items, embedder, cached_item_vectors(items, embedder, argv[1]))
        Grader(embedder)
    print(f"{time.perf_counter() - START:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
