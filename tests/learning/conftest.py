"""The learning loop's test kit: a small bank, a fake grader, and a console to talk to."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.console.platform import CONSOLE_CHANNEL, ConsolePlatform
from adapters.console.session import ConsoleSession
from bot.charts import progress_chart
from bot.core.model import Grade, Item, UserRef
from bot.core.retrieval import ExplainResult
from bot.core.service import QotdService
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.dbfixtures import (  # noqa: F401  (fixtures, found by name)
    database_url,
    postgres,
    postgres_url,
)

MEMBER = UserRef("console", "console-user", "you", is_admin=True)


class KeywordGrader:
    """Covers a key point when the answer contains its text: predictable scores for plumbing."""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        if len(answer.split()) < 3:
            return Grade(item.id, 0, (), (), attempt=False)
        text = answer.lower()
        covered = tuple(p for p in item.key_points if p.lower() in text)
        missed = tuple(p for p in item.key_points if p not in covered)
        score = round(100 * len(covered) / max(len(item.key_points), 1))
        return Grade(item.id, score, covered, missed, attempt=True)


class NoRetriever:
    """Explain is not what these tests are about."""

    def search(self, query: str, k: int = 3) -> ExplainResult:
        return ExplainResult(query=query, abstained=True, matches=(), nearest_topics=())


@dataclass
class Console:
    """A console member talking to a service with the learning loop; ``out`` is the screen."""

    service: QotdService
    platform: ConsolePlatform
    session: ConsoleSession
    out: io.StringIO
    store: SqlStore
    learning: SqlLearningStore

    async def say(self, *lines: str) -> str:
        """Type lines; returns what the console printed for them."""
        start = len(self.out.getvalue())
        for line in lines:
            self.out.write(f"> {line}\n")
            await self.session.handle(line)
        return self.out.getvalue()[start:]


def make_console(db: Path, items: Sequence[Item] | None = None, grader: object = None) -> Console:
    """A console over a SQLite file with the small bank and the keyword grader by default."""
    out = io.StringIO()
    platform = ConsolePlatform(out)
    store = SqlStore(f"sqlite:///{db}")
    learning = SqlLearningStore(f"sqlite:///{db}")
    service = QotdService(
        items if items is not None else small_bank(),
        store,
        platform,
        NoRetriever(),
        grader or KeywordGrader(),
        learning=learning,
        charts=progress_chart,
        rate_limit_per_minute=0,
    )
    assert service.learning is not None
    service.learning._charts_dir = db.parent / "charts"
    return Console(
        service, platform, ConsoleSession(service, platform, MEMBER, out), out, store, learning
    )


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    made = make_console(tmp_path / "learning.db")
    yield made
    made.store.close()
    made.learning.close()


__all__ = ["CONSOLE_CHANNEL", "MEMBER", "Console", "make_console"]
