"""Discord cannot redeliver gateway events: answers posted while the bot was down or
disconnected are read back from the question threads and graded once it is back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import Knowledge
from bot.core.model import CommandInvocation, UserRef
from bot.core.replies import CAUGHT_UP
from tests.conftest import asking_lora
from tests.discord.fake_discord import ADMIN_ID, BOT_ID, Bot, FakeDiscord, fake_discord, running_bot
from tests.discord.test_discord_flow import CHANNEL, GOOD_ANSWER, post_daily

DM = "/channels/500000000000000001/messages"
OTHER_BOT_ID = 900000000000000002


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qotd.db'}"


def feedback(fake: FakeDiscord) -> list[dict[str, Any]]:
    """The graded-answer DMs members got (their embeds)."""
    return [c.body["embeds"][0] for c in fake.at("POST", DM) if "Score" in str(c.body)]


def reactions(fake: FakeDiscord) -> list[str]:
    return [c.path for c in fake.calls if c.method == "PUT" and "/reactions/" in c.path]


def history_reads(fake: FakeDiscord, thread_id: str) -> list[dict[str, str]]:
    return [c.query for c in fake.at("GET", f"/channels/{thread_id}/messages")]


async def caught_up(bot: Bot) -> int:
    """Wait for the latest catch-up run; how many unseen answers it graded."""
    task = bot.client.qotd.service.catchup.task
    assert task is not None
    return await task


async def test_an_answer_posted_while_the_bot_is_down_is_graded_after_it_is_back(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake:
        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            question = await post_daily(bot)
        answer = fake.member_message(question["id"], GOOD_ANSWER)

        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            await bot.until(lambda: feedback(fake))

            [dm] = feedback(fake)
            assert "Covered" in dm["description"] and CAUGHT_UP in dm["footer"]["text"]
            assert reactions(fake) == [
                f"/channels/{question['id']}/messages/{answer['id']}/reactions/✅/@me"
            ]
            [read] = history_reads(fake, question["id"])
            assert read["after"] == question["id"]


async def test_the_reveal_wrap_up_counts_the_caught_up_answer(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake:
        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            question = await post_daily(bot)
        fake.member_message(question["id"], GOOD_ANSWER)

        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            admin = UserRef("discord", str(ADMIN_ID), "Admin", is_admin=True)
            reply = await bot.client.qotd.service.on_command(
                CommandInvocation(CHANNEL, admin, "reveal")
            )
            assert reply.text.startswith("Revealed")
            [wrap_up] = [
                c.body
                for c in fake.at("POST", f"/channels/{question['id']}/messages")
                if "Wrap-up" in str(c.body)
            ]
            assert "1 member answered" in str(wrap_up["embeds"])
            assert len(feedback(fake)) == 1


async def test_a_dropped_gateway_connection_is_caught_up_on_resume(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        fake.member_message(question["id"], GOOD_ANSWER)  # never pushed over the gateway
        fake.member_message(question["id"], "Daily reminder!", user_id=OTHER_BOT_ID, bot=True)

        await fake.drop()

        await bot.until(lambda: feedback(fake))
        assert fake.identified == 1  # resumed, not identified again
        assert len(reactions(fake)) == 1


async def test_a_new_session_after_a_drop_is_caught_up_too(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        fake.member_message(question["id"], GOOD_ANSWER)
        fake.resumable = False

        await fake.drop()

        await bot.until(lambda: feedback(fake))
        assert fake.identified == 2


async def test_an_answer_graded_live_is_not_graded_again_after_a_reconnect(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        await bot.say(question["id"], GOOD_ANSWER)
        await bot.until(lambda: feedback(fake))
        reads = len(history_reads(fake, question["id"]))

        await fake.drop()

        await bot.until(lambda: len(history_reads(fake, question["id"])) > reads)
        await caught_up(bot)
        assert len(feedback(fake)) == 1 and len(reactions(fake)) == 1


async def test_the_bots_own_and_other_bots_messages_are_not_graded(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake:
        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            question = await post_daily(bot)
        fake.member_message(question["id"], GOOD_ANSWER, user_id=OTHER_BOT_ID, bot=True)
        fake.member_message(question["id"], GOOD_ANSWER, user_id=BOT_ID, bot=True)

        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            await bot.until(lambda: history_reads(fake, question["id"]))
            assert await caught_up(bot) == 0
            assert not feedback(fake) and not reactions(fake)
            post = bot.client.qotd.service.store.latest_post(CHANNEL)
            assert post is not None and not bot.client.qotd.service.store.attempts_for_post(post.id)
