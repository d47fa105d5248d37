"""Fixtures of the core tests: the real model and the shipped bank, once; a service on SQLite
with a fake platform and a settable clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.app import Knowledge
from bot.content.bank import load_bank
from bot.core.grading import Grader
from bot.core.model import ChannelRef, Item, Schedule
from bot.core.retrieval import Retriever
from bot.core.service import QotdService
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder
from bot.storage.sql_store import SqlStore
from tests.fakes.platform import RecordingPlatform

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def bank_items() -> tuple[Item, ...]:
    """Every item of the shipped bank."""
    return tuple(load_bank().items)


@pytest.fixture(scope="session")
def retriever(
    minilm: SentenceTransformerEmbedder,
    bank_items: tuple[Item, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Retriever:
    """A retriever over the shipped bank with the real model."""
    vectors = cached_item_vectors(bank_items, minilm, tmp_path_factory.mktemp("vectors"))
    return Retriever(bank_items, minilm, vectors)


@pytest.fixture(scope="session")
def grader(minilm: SentenceTransformerEmbedder) -> Grader:
    """A grader with the real model."""
    return Grader(minilm)


def load_data(name: str) -> list[dict[str, object]]:
    """Rows of a YAML file under tests/data."""
    rows: list[dict[str, object]] = yaml.safe_load((DATA / name).read_text())
    return rows


CHANNEL = ChannelRef("test", "team", "general")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def platform() -> RecordingPlatform:
    return RecordingPlatform()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_service(
    items: Sequence[Item], knowledge: Knowledge, platform: RecordingPlatform, clock: Clock, db: Path
) -> QotdService:
    """The service over ``items`` (what it asks), with the real retriever and grader."""
    store = SqlStore(f"sqlite:///{db}", clock=clock)
    store.set_schedule(CHANNEL, Schedule(hour=9, timezone="UTC", weekdays=tuple(range(7))))
    return QotdService(items, store, platform, knowledge.retriever, knowledge.grader, clock=clock)


def lora_items(knowledge: Knowledge) -> list[Item]:
    """The bank's LoRA vs QLoRA item, alone: a service over it asks nothing else."""
    return [
        item
        for item in knowledge.bank.answered
        if "qlora" in item.question.lower() and "lora" in item.question.lower()
    ][:1]


@pytest.fixture
def service(
    knowledge: Knowledge, platform: RecordingPlatform, clock: Clock, tmp_path: Path
) -> QotdService:
    return make_service(knowledge.bank.items, knowledge, platform, clock, tmp_path / "q.db")


@pytest.fixture
def lora_service(
    knowledge: Knowledge, platform: RecordingPlatform, clock: Clock, tmp_path: Path
) -> QotdService:
    """A service whose daily question is the LoRA vs QLoRA item."""
    return make_service(lora_items(knowledge), knowledge, platform, clock, tmp_path / "q.db")
