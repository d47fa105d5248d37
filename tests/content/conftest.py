"""Fixtures for the content tests: the real embedder (built once) and small bank files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.ports import Embedder

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "content" / "sources"

GOOD_ITEM = """\
- id: {id}
  question: {question}
  answer: |
    Tokenization splits raw text into tokens.
    Subwords keep the vocabulary small.
  key_points:
  - Text is split into tokens
  - Subwords handle rare words
  - The vocabulary stays small
  topic: tokenization
  difficulty: easy
  source: test.txt
"""


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2 model, loaded once per test session."""
    from bot.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def source(request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """The path of a seed page by its number prefix (``"001"``)."""

    def find(number: str) -> Path:
        return next(SOURCES.glob(f"{number}_*.txt"))

    return find


def good_item(item_id: str = "what-tokenization", question: str = "What is tokenization?") -> str:
    """YAML text of one valid bank item."""
    return GOOD_ITEM.format(id=item_id, question=question)


def write(directory: Path, name: str, text: str) -> Path:
    """Write a bank file and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
