"""Tenancy: ids a member types or clicks are resolved within their own platform and workspace.

One service and one database serve two Discord servers (and a Slack workspace shares the
database): an admin of one must not read, decide or message anything of another.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.model import ChannelRef, CommandInvocation, UserRef
from bot.core.service import QotdService
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import RecordingPlatform
from tests.learning.conftest import KeywordGrader, NoRetriever

SERVER_A = ChannelRef("discord", "111", "1001")
SERVER_B = ChannelRef("discord", "222", "2002")
SLACK = ChannelRef("slack", "T0001", "C0GENERAL")
AUTHOR = UserRef("discord", "501", "Ada")
ADMIN_A = UserRef("discord", "601", "Admin A", is_admin=True)
ADMIN_B = UserRef("discord", "701", "Mallory", is_admin=True)
SLACK_ADMIN = UserRef("slack", "U0ROOT", "Root", is_admin=True)


class Bot:
    """The service over one database, its recording platform and its learning store."""

    def __init__(self, url: str) -> None:
        self.platform = RecordingPlatform()
        self.store = SqlStore(url)
        self.learning = SqlLearningStore(url)
        self.service = QotdService(
            small_bank(),
            self.store,
            self.platform,
            NoRetriever(),
            KeywordGrader(),
            learning=self.learning,
            rate_limit_per_minute=0,
        )

    async def run(self, channel: ChannelRef, user: UserRef, name: str, args: str = "") -> str:
        """A command's reply text."""
        reply = await self.service.on_command(CommandInvocation(channel, user, name, args))
        return reply.text

    def messages_to(self, user: UserRef) -> list[str]:
        """What the platform was asked to tell ``user``."""
        return [s.reply.text for s in self.platform.sent if s.user == user and s.reply]

    def close(self) -> None:
        self.store.close()
        self.learning.close()


@pytest.fixture
def bot(database_url: str) -> Iterator[Bot]:
    made = Bot(database_url)
    yield made
    made.close()


async def suggest_in_a(bot: Bot) -> None:
    queued = await bot.run(SERVER_A, AUTHOR, "suggest", "What is KV caching? | Reuse. | decoding")
    assert "moderation queue as #1" in queued


async def still_pending_in_a(bot: Bot) -> bool:
    review = await bot.run(SERVER_A, ADMIN_A, "suggestions")
    return "1 suggestion(s) waiting" in review and "What is KV caching?" in review


async def test_an_admin_of_another_server_cannot_approve_a_suggestion(bot: Bot) -> None:
    await suggest_in_a(bot)
    said = await bot.run(SERVER_B, ADMIN_B, "approve", "1")
    assert "Suggestion #1 is not waiting for review here" in said
    assert bot.messages_to(AUTHOR) == []
    assert await still_pending_in_a(bot)


async def test_an_admin_of_another_server_cannot_reject_nor_message_the_author(bot: Bot) -> None:
    await suggest_in_a(bot)
    said = await bot.run(SERVER_B, ADMIN_B, "reject", "1 claim your prize at evil.example")
    assert "not waiting for review here" in said
    assert not any("evil.example" in text for text in bot.messages_to(AUTHOR))
    assert await still_pending_in_a(bot)


async def test_an_approve_button_clicked_in_another_server_changes_nothing(bot: Bot) -> None:
    await suggest_in_a(bot)
    for action in ("approve_suggestion", "reject_suggestion"):
        reply = await bot.service.on_action(action, "1", SERVER_B, ADMIN_B)
        assert "Suggestion #1 approved" not in reply.text
    assert bot.messages_to(AUTHOR) == []
    assert await still_pending_in_a(bot)


async def test_a_slack_admin_sharing_the_database_cannot_decide_a_discord_suggestion(
    bot: Bot,
) -> None:
    await suggest_in_a(bot)
    assert "not waiting for review here" in await bot.run(SLACK, SLACK_ADMIN, "approve", "1")
    assert "not waiting for review here" in await bot.run(SLACK, SLACK_ADMIN, "reject", "1 no")
    assert bot.messages_to(AUTHOR) == [] and await still_pending_in_a(bot)


async def test_the_servers_own_admin_still_decides_and_the_author_hears_it(bot: Bot) -> None:
    await suggest_in_a(bot)
    await bot.run(SERVER_B, ADMIN_B, "approve", "1")
    assert "Suggestion #1 approved" in await bot.run(SERVER_A, ADMIN_A, "approve", "1")
    [told] = bot.messages_to(AUTHOR)
    assert "was approved" in told
    [sent] = [s for s in bot.platform.of("private") if s.user == AUTHOR]
    assert sent.channel == SERVER_A


async def test_a_suggestion_made_in_a_dm_is_decided_only_from_that_dm(bot: Bot) -> None:
    dm, other_dm = ChannelRef("discord", "", "9001"), ChannelRef("discord", "", "9002")
    await bot.run(dm, AUTHOR, "suggest", "What is KV caching? | Reuse. | decoding")
    assert "not waiting for review here" in await bot.run(other_dm, ADMIN_B, "approve", "1")
    assert "Suggestion #1 approved" in await bot.run(dm, ADMIN_A, "approve", "1")


async def test_a_practice_card_served_in_one_server_is_not_answered_from_another(
    bot: Bot,
) -> None:
    served = await bot.service.on_command(CommandInvocation(SERVER_A, AUTHOR, "practice"))
    assert "Practice" in served.title
    member = bot.learning.get_member(AUTHOR.platform, AUTHOR.user_id)
    assert member is not None and member.pending_item_id
    item = member.pending_item_id
    answer = f"{item} idea one and {item} idea two, roughly."
    elsewhere = await bot.run(SERVER_B, AUTHOR, "practice", answer)
    assert "no practice question open here" in elsewhere
    assert bot.learning.cards(AUTHOR.platform, AUTHOR.user_id) == []
    assert "Score:" in await bot.run(SERVER_A, AUTHOR, "practice", answer)
