"""A question posted by an instance that died before recording it is found in the channel's
history (GET /channels/{id}/messages) by the takeover, instead of being posted again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord import views
from adapters.discord.platform import DiscordPlatform
from adapters.discord.refs import channel_ref
from bot.app import Knowledge
from bot.core import replies
from bot.core.daily import question_key
from bot.core.model import MessageRef, Post, Reply, Schedule
from tests.discord.fake_discord import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    Bot,
    fake_discord,
    running_bot,
    user,
)

CHANNEL = channel_ref(CHANNEL_ID, GUILD_ID)
ALWAYS_DUE = Schedule(hour=0, minute=0, timezone="UTC", weekdays=tuple(range(7)))
MESSAGES = f"/channels/{CHANNEL_ID}/messages"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qotd.db'}"


def abandoned_claim(bot: Bot) -> Post:
    """Today's claim as an instance left it when it died ten minutes ago, before recording."""
    store = bot.client.qotd.service.store
    store.set_schedule(CHANNEL, ALWAYS_DUE)
    now = discord.utils.utcnow()
    item = bot.client.qotd.service.daily._items[0]
    claim = store.claim_post(
        CHANNEL, now.date().isoformat(), item.id, 0, now - timedelta(minutes=10), None
    )
    assert claim is not None
    return claim


def answer_row(token: str) -> list[dict[str, Any]]:
    button = {
        "type": 2,
        "style": 3,
        "label": "Check my answer",
        "custom_id": f"qotd:answer:{token}",
    }
    return [{"type": 1, "components": [button]}]


async def test_a_takeover_records_the_question_a_dead_instance_posted_and_posts_nothing(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        claim = abandoned_claim(bot)
        item = bot.client.qotd.service.daily.item(claim.item_id)
        assert item is not None
        dead = DiscordPlatform(bot.client)
        posted = await dead.post_question(
            CHANNEL, replies.question_post(item), key=question_key(claim)
        )
        fake.calls.clear()
        post = await bot.client.qotd.service.daily.post_if_due(CHANNEL)
        assert post is not None and post.id == claim.id and post.message == posted
        assert fake.at("POST", MESSAGES) == []  # members see the question once
        assert fake.at("GET", MESSAGES)
        assert not [c for c in fake.calls if c.path.endswith("/threads")]


async def test_a_takeover_opens_the_thread_a_dead_instance_never_opened(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        claim = abandoned_claim(bot)
        # The dead instance's message reached Discord; the instance died before its thread.
        token = views.key_token(question_key(claim))
        embed = {"title": "Question of the day", "description": "What is LoRA?"}
        message = fake.message(
            str(CHANNEL_ID), {"embeds": [embed], "components": answer_row(token)}
        )
        fake.calls.clear()
        post = await bot.client.qotd.service.daily.post_if_due(CHANNEL)
        assert post is not None and post.message is not None
        assert post.message.message_id == post.message.thread_id == message["id"]
        assert fake.at("POST", MESSAGES) == []
        [thread] = fake.at("POST", f"{MESSAGES}/{message['id']}/threads")
        assert thread.body["name"] == "What is LoRA?"


async def test_find_question_matches_only_this_bots_post_with_that_key(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        platform = DiscordPlatform(bot.client)
        since = discord.utils.utcnow() - timedelta(minutes=1)
        posted = await platform.post_question(CHANNEL, Reply(text="q"), key="qotd:a:1:x")
        [sent] = fake.at("POST", MESSAGES)
        assert sent.body["nonce"] == views.key_token("qotd:a:1:x") and sent.body["enforce_nonce"]
        copied = answer_row(views.key_token("qotd:a:2:x"))
        fake.message(str(CHANNEL_ID), {"components": copied})["author"] = user(MEMBER_ID, "Ada")
        assert await platform.find_question(CHANNEL, "qotd:a:1:x", since) == posted
        assert await platform.find_question(CHANNEL, "qotd:a:2:x", since) is None  # not ours
        assert await platform.find_question(CHANNEL, "qotd:a:3:x", since) is None
        later = discord.utils.utcnow() + timedelta(seconds=1)
        assert await platform.find_question(CHANNEL, "qotd:a:1:x", later) is None
        assert posted == MessageRef(CHANNEL, posted.message_id, posted.message_id)
