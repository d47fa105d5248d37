"""A service with the small bank, a SQLite store, a recording platform and no model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.model import ChannelRef, MessageRef, Post, Schedule, UserRef
from bot.core.service import QotdService
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import RecordingPlatform
from tests.reliability.botproc import FakeGrader, FakeSearcher

CHANNEL = ChannelRef("test", "w", "general")
ADA = UserRef("test", "U-ada", "Ada")
ADMIN = UserRef("test", "U-admin", "Admin", is_admin=True)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def make_service(
    tmp_path: Path,
    *,
    rate_limit: int = 10,
    clock: Clock | None = None,
    platform: RecordingPlatform | None = None,
    **options: Any,
) -> tuple[QotdService, RecordingPlatform]:
    """The service as adapters drive it, without the embedding model (a fake searcher and
    grader through their ports); ``options`` are more ``QotdService`` options."""
    platform = platform or RecordingPlatform()
    store = SqlStore(f"sqlite:///{tmp_path / 'qotd.db'}")
    store.set_schedule(CHANNEL, Schedule(hour=9, weekdays=tuple(range(7))))
    service = QotdService(
        small_bank(12),
        store,
        platform,
        FakeSearcher(),
        FakeGrader(),
        clock=clock or Clock(),
        rate_limit_per_minute=rate_limit,
        **options,
    )
    return service, platform


async def posted_question(service: QotdService) -> Post:
    post, _ = await service.daily.post_today(CHANNEL)
    assert post is not None and post.message is not None
    return post


def thread_of(post: Post) -> MessageRef:
    assert post.message is not None
    return post.message
