"""The real ``qotd run discord`` and ``qotd run slack --http`` processes: an answer posted
in a question thread while the bot is down gets its feedback once the bot is back, once.

Each test starts the process against a fake platform on 127.0.0.1, stops it (SIGKILL),
posts a member's answer into the fake while nothing listens, starts it again and counts
what reached the fake; a third run with a second missed answer shows the first is not
graded again.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.refs import channel_ref
from bot.content.bank import load_bank
from bot.core.model import ChannelRef, MessageRef, Schedule
from bot.storage.sql_store import SqlStore
from tests.discord.fake_discord import (
    ADMIN_ID,
    BOT_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    FakeDiscord,
    fake_discord,
)
from tests.reliability.test_slack_crash import free_port
from tests.slack.fake_slack import SECRET, TEAM, FakeSlack
from tests.slack.test_http_flow import LORA_ANSWER, texts

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
DM = "/channels/500000000000000001/messages"
TOKEN = base64.urlsafe_b64encode(str(BOT_ID).encode()).decode().rstrip("=") + ".GfakeA." + "x" * 27

SECOND_ANSWER = (
    "LoRA keeps the base model frozen and learns small low-rank update matrices instead of "
    "all weights; QLoRA also stores the frozen model in 4-bit, which cuts memory further."
)

Start = Callable[[str, dict[str, str], bytes], Awaitable[asyncio.subprocess.Process]]


def lora_item() -> str:
    return next(
        item.id
        for item in load_bank().answered
        if "qlora" in item.question.lower() and "lora" in item.question.lower()
    )


@pytest.fixture
async def start(
    tmp_path: Path, database_url: str, embedding_cache_dir: Path
) -> AsyncIterator[Start]:
    """``await start("discord", env, b"ready line")``: the real CLI, until its log shows it."""
    started: list[asyncio.subprocess.Process] = []

    async def run(platform: str, env: dict[str, str], ready: bytes) -> asyncio.subprocess.Process:
        path = tmp_path / f"{platform}-{len(started)}.log"
        log = path.open("ab")
        args = ["run", "slack", "--http"] if platform == "slack" else ["run", "discord"]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args,
            cwd=tmp_path, stdout=log, stderr=log,
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "HF_HUB_OFFLINE": "1",
                "QOTD_DATABASE_URL": database_url,
                "QOTD_CACHE_DIR": str(embedding_cache_dir),
                "QOTD_LOG_LEVEL": "INFO",
                **env,
            },
        )  # fmt: skip
        started.append(process)
        deadline = time.monotonic() + 120
        while ready not in path.read_bytes():
            assert process.returncode is None, path.read_text()
            assert time.monotonic() < deadline, f"{platform} did not start: {path.read_text()}"
            await asyncio.sleep(0.2)
        return process

    yield run
    for process in started:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGKILL)
        await process.wait()


async def until(check: Callable[[], Any], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the fake platform"
        await asyncio.sleep(0.2)


async def kill(process: asyncio.subprocess.Process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    await process.wait()


def seed_discord_question(url: str, fake: FakeDiscord) -> str:
    """An open LoRA question posted in the fake's channel, with its thread, as the bot
    posts them (the post recorded in the database); returns the thread id."""
    channel = channel_ref(CHANNEL_ID, GUILD_ID)
    store = SqlStore(url)
    store.set_schedule(channel, Schedule(paused=True))
    post = store.claim_post(channel, "2026-12-02", lora_item(), 0, store._clock(), None)
    assert post is not None
    question = fake.message(str(CHANNEL_ID), {"content": "Question of the day"})
    fake.channels[question["id"]] = fake._thread(str(CHANNEL_ID), question["id"], "LoRA")
    store.set_post_message(post.id, MessageRef(channel, question["id"], question["id"]))
    store.close()
    return str(question["id"])


def discord_feedback(fake: FakeDiscord) -> list[str]:
    return [str(c.body) for c in fake.at("POST", DM) if "Score" in str(c.body)]


async def test_discord_answer_posted_while_the_bot_is_down_is_graded_after_it_reconnects(
    start: Start, database_url: str
) -> None:
    async with fake_discord() as fake:
        thread = seed_discord_question(database_url, fake)
        env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base}
        env["DISCORD_GUILD_ID"] = str(GUILD_ID)
        ready = b"connected to Discord"

        bot = await start("discord", env, ready)
        await until(lambda: fake.at("GET", f"/channels/{thread}/messages"))
        await kill(bot)
        answer = fake.member_message(thread, LORA_ANSWER, user_id=MEMBER_ID)

        bot = await start("discord", env, ready)
        await until(lambda: discord_feedback(fake))
        [dm] = discord_feedback(fake)
        assert "Covered" in dm and "offline" in dm
        reaction = f"/channels/{thread}/messages/{answer['id']}/reactions/✅/@me"
        assert [c.path for c in fake.calls if "/reactions/" in c.path] == [reaction]
        await kill(bot)

        fake.member_message(thread, SECOND_ANSWER, user_id=ADMIN_ID)
        await start("discord", env, ready)
        await until(lambda: len(discord_feedback(fake)) == 2)
        await asyncio.sleep(1)
        assert len(fake.at("POST", DM)) == 2  # the first answer was not graded again
        assert len([c for c in fake.calls if "/reactions/" in c.path]) == 2


def seed_slack_question(url: str, fake: FakeSlack, channel: ChannelRef) -> str:
    """An open LoRA question posted in the fake's channel, as the bot posts them (the post
    recorded in the database); returns its ts."""
    store = SqlStore(url)
    store.set_schedule(channel, Schedule(paused=True))
    post = store.claim_post(channel, "2026-12-02", lora_item(), 0, store._clock(), None)
    assert post is not None
    ts = "1763990000.000001"  # before the replies the fake stamps
    fake.remember(channel.channel, FakeSlack.bot_message({"text": "Question of the day"}, ts))
    store.set_post_message(post.id, MessageRef(channel, ts, ts))
    store.close()
    return ts


def slack_feedback(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [
        body
        for body in fake.called("chat.postEphemeral")
        if body["user"] == user and "Score" in texts(body)
    ]


async def test_slack_answer_posted_while_the_bot_is_down_is_graded_after_it_restarts(
    start: Start, database_url: str
) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        channel = ChannelRef("slack", TEAM, "C0GENERAL")
        question_ts = seed_slack_question(database_url, fake, channel)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{fake.url}api/",
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": str(free_port()),
        }
        ready = b"listening on"

        bot = await start("slack", env, ready)
        await until(lambda: fake.called("conversations.replies"))
        await kill(bot)
        answer = fake.reply(channel.channel, question_ts, "U0ADA", LORA_ANSWER)

        env["SLACK_PORT"] = str(free_port())
        bot = await start("slack", env, ready)
        await until(lambda: slack_feedback(fake, "U0ADA"))
        [dm] = slack_feedback(fake, "U0ADA")
        assert dm["thread_ts"] == question_ts and "offline" in texts(dm)
        [reaction] = fake.called("reactions.add")
        assert reaction["timestamp"] == answer["ts"]
        await kill(bot)

        fake.reply(channel.channel, question_ts, "U0BOB", SECOND_ANSWER)
        env["SLACK_PORT"] = str(free_port())
        await start("slack", env, ready)
        await until(lambda: slack_feedback(fake, "U0BOB"))
        await asyncio.sleep(1)
        assert len(fake.called("chat.postEphemeral")) == 2  # the first was not graded again
        assert len(fake.called("reactions.add")) == 2
    finally:
        await fake.stop()
