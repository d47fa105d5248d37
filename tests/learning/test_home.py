"""The member's home lists the channel schedules they take part in: where they answered, and
where they practise though they have not answered yet; not other channels or workspaces."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core import home
from bot.core.model import Attempt, ChannelRef, CommandInvocation, UserRef
from bot.core.service import QotdService
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import RecordingPlatform
from tests.learning.conftest import KeywordGrader, NoRetriever

ANSWERED = ChannelRef("slack", "T1", "C-answered")
PRACTISED = ChannelRef("slack", "T1", "C-practised")
QUIET = ChannelRef("slack", "T1", "C-quiet")
OTHER_TEAM = ChannelRef("slack", "T2", "C-elsewhere")
ADA = UserRef("slack", "U-ADA", "Ada")
ADMIN = UserRef("slack", "U-ROOT", "Root", is_admin=True)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def test_home_lists_the_channels_the_member_answers_or_practises_in(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'home.db'}"
    store, learning = SqlStore(url), SqlLearningStore(url)
    service = QotdService(
        small_bank(),
        store,
        RecordingPlatform(),
        NoRetriever(),
        KeywordGrader(),  # type: ignore[arg-type]
        learning=learning,
        rate_limit_per_minute=0,
        clock=lambda: NOW,
    )
    try:
        for channel, when in (
            (ANSWERED, "09:00"),
            (PRACTISED, "14:30"),
            (QUIET, "11:00"),
            (OTHER_TEAM, "08:00"),
        ):
            await service.on_command(CommandInvocation(channel, ADMIN, "schedule", when))
        for channel in (ANSWERED, OTHER_TEAM):
            post, _ = await service.daily.post_today(channel)
            assert post is not None
            store.add_attempt(Attempt(post.id, ADA, "x", 60, ("a",), (), False, NOW))
        await service.on_command(CommandInvocation(PRACTISED, ADA, "practice"))
        shown = home.home_reply(await service.home(ADA, "T1")).text
    finally:
        store.close()
        learning.close()
    assert "- `C-answered`: 09:00 UTC" in shown and "You: 60 points" in shown
    assert "- `C-practised`: 14:30 UTC" in shown and "You practise here" in shown
    assert "C-quiet" not in shown and "C-elsewhere" not in shown
    assert "Listed: the channels where you answered or practised" in shown
