"""Slack resends nothing for the time the bot was down: on start-up (HTTP and Socket Mode)
the open question threads are read back (``conversations.replies``) and answers the bot
never saw are graded, once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import threads
from adapters.slack.bot import SlackBot
from adapters.slack.runner import serve_socket_mode
from bot.app import Knowledge
from bot.core.model import CommandInvocation, UserRef
from bot.core.replies import CAUGHT_UP
from tests.conftest import asking_lora
from tests.slack.conftest import ADA, ADMIN, BOB, GENERAL, Harness, make_bot
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.slack.test_http_flow import LORA_ANSWER, texts, thread_reply

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def started(fake: FakeSlack, knowledge: Knowledge, db: Path) -> SlackBot:
    """A bot process started (scheduler, missed posts, answer catch-up), asking LoRA."""
    bot = make_bot(fake, asking_lora(knowledge), db, process_before_response=False)
    await bot.start()
    return bot


async def caught_up(bot: SlackBot) -> int:
    task = bot.service.catchup.task
    assert task is not None
    return await task


def stopped(bot: SlackBot) -> None:
    bot.stop()
    bot.service.store.close()


async def question_posted_then_down(fake: FakeSlack, knowledge: Knowledge, db: Path) -> str:
    """The first run posts today's question, then the bot goes down; returns its ts."""
    bot = await started(fake, knowledge, db)
    [question] = fake.posted(GENERAL.channel)
    await caught_up(bot)
    stopped(bot)
    return str(question["ts"])


def feedback(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [
        body
        for body in fake.called("chat.postEphemeral")
        if body["user"] == user and "Score" in texts(body)
    ]


async def test_an_answer_posted_while_the_bot_was_down_gets_its_feedback_after_start(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    answer = fake.reply(GENERAL.channel, question, ADA, LORA_ANSWER)

    bot = await started(fake, knowledge, tmp_path / "q.db")
    try:
        assert await caught_up(bot) == 1
    finally:
        stopped(bot)

    [dm] = feedback(fake, ADA)
    assert dm["thread_ts"] == question and "Covered" in texts(dm) and CAUGHT_UP in texts(dm)
    [reaction] = fake.called("reactions.add")
    assert reaction["timestamp"] == answer["ts"] and reaction["name"] == "white_check_mark"
    read = fake.called("conversations.replies")[-1]
    assert read["channel"] == GENERAL.channel and read["ts"] == read["oldest"] == question


async def test_an_answer_graded_live_is_not_graded_again_after_a_restart(
    fake: FakeSlack, knowledge: Knowledge, harness: Harness, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    live = fake.reply(GENERAL.channel, question, BOB, LORA_ANSWER)
    # the same message, delivered live to a running instance (the harness's, same database)
    status, _ = await harness.slack.event(
        thread_reply(BOB, LORA_ANSWER, live["ts"], question), "Ev-live"
    )
    assert status == 200 and len(feedback(fake, BOB)) == 1

    bot = await started(fake, knowledge, tmp_path / "q.db")
    try:
        assert await caught_up(bot) == 0
    finally:
        stopped(bot)
    assert len(feedback(fake, BOB)) == 1 and len(fake.called("reactions.add")) == 1


async def test_bots_the_bots_own_replies_and_requests_are_not_graded(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    fake.reply(GENERAL.channel, question, "U0OTHERBOT", LORA_ANSWER, bot_id="BOTHER")
    fake.reply(GENERAL.channel, question, BOT_USER, LORA_ANSWER, bot_id="BQOTD")
    fake.reply(GENERAL.channel, question, ADA, "Ada joined", subtype="channel_join")
    fake.reply(GENERAL.channel, question, ADA, f"<@{BOT_USER}> explain lora")

    bot = await started(fake, knowledge, tmp_path / "q.db")
    try:
        assert await caught_up(bot) == 0
    finally:
        stopped(bot)
    assert not fake.called("chat.postEphemeral") and not fake.called("reactions.add")


async def test_a_long_thread_is_read_through_its_cursor_pages(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threads, "PAGE_SIZE", 2)
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    members = [f"U0M{n}" for n in range(5)]
    for member in members:
        fake.reply(GENERAL.channel, question, member, LORA_ANSWER)

    bot = await started(fake, knowledge, tmp_path / "q.db")
    try:
        assert await caught_up(bot) == 5
    finally:
        stopped(bot)
    reads = [r for r in fake.called("conversations.replies") if r["ts"] == question]
    assert [r.get("cursor") for r in reads][-3:] == [None, "2", "4"]
    assert sorted(b["user"] for b in fake.called("chat.postEphemeral")) == members


async def test_the_reveal_wrap_up_counts_the_caught_up_answer(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    fake.reply(GENERAL.channel, question, ADA, LORA_ANSWER)

    bot = await started(fake, knowledge, tmp_path / "q.db")
    try:
        admin = UserRef("slack", ADMIN, "Root", is_admin=True)
        reply = await bot.service.on_command(CommandInvocation(GENERAL, admin, "reveal"))
        await caught_up(bot)
    finally:
        stopped(bot)
    assert reply.text.startswith("Revealed")
    [wrap_up] = [b for b in fake.called("chat.postMessage") if "Wrap-up" in texts(b)]
    assert wrap_up["thread_ts"] == question and "1 member answered" in texts(wrap_up)
    assert len(feedback(fake, ADA)) == 1


async def test_socket_mode_start_up_catches_up_too(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    fake.reply(GENERAL.channel, question, ADA, LORA_ANSWER)
    bot = make_bot(fake, knowledge, tmp_path / "q.db", process_before_response=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_socket_mode(bot, "xapp-1-test", stop))
    try:
        async with asyncio.timeout(30):
            while not feedback(fake, ADA):
                assert not task.done(), task
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        bot.service.store.close()
    assert fake.called("apps.connections.open") and len(feedback(fake, ADA)) == 1


async def test_a_socket_mode_reconnect_catches_up_answers_the_connection_missed(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    question = await question_posted_then_down(fake, knowledge, tmp_path / "q.db")
    bot = make_bot(fake, knowledge, tmp_path / "q.db", process_before_response=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_socket_mode(bot, "xapp-1-test", stop))
    try:
        async with asyncio.timeout(30):
            while not bot.scheduler.running or bot.service.catchup.task is None:
                assert not task.done(), task
                await asyncio.sleep(0.05)
            assert await caught_up(bot) == 0  # start-up's run: nothing to grade yet
            opened = len(fake.called("apps.connections.open"))
            # Ada answers; the event is lost with the connection, which Slack then refreshes.
            fake.reply(GENERAL.channel, question, ADA, LORA_ANSWER)
            await fake.envelopes.put({"type": "disconnect", "reason": "refresh_requested"})
            while not feedback(fake, ADA):
                assert not task.done(), task
                await asyncio.sleep(0.05)
            await caught_up(bot)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        bot.service.store.close()
    assert len(fake.called("apps.connections.open")) == opened + 1
    [dm] = feedback(fake, ADA)
    assert dm["thread_ts"] == question and CAUGHT_UP in texts(dm)
    assert len(fake.posted(GENERAL.channel)) == 1  # what was due is posted once, not again
