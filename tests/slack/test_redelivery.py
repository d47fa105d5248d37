"""Retried deliveries are de-duplicated in the database: across instances and restarts.

Real Bolt apps on 127.0.0.1 sharing one database (SQLite file and PostgreSQL), the fake
Slack Web API counting what members would see.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from adapters.slack.bot import SlackBot
from adapters.slack.platform import web_client
from adapters.slack.settings import EVENTS_PATH
from bot.app import Knowledge
from bot.core.daily import RetryPolicy
from bot.core.inbox import LEASE
from bot.core.model import Delivery
from bot.storage.inbox_store import SqlInbox
from bot.storage.sql_store import SqlStore
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401
from tests.slack.conftest import BOB, GENERAL
from tests.slack.fake_slack import BOT_USER, SECRET, FakeSlack, Signer

pytestmark = pytest.mark.asyncio(loop_scope="session")

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
MENTION = {
    "type": "app_mention",
    "channel": GENERAL.channel,
    "user": BOB,
    "text": f"<@{BOT_USER}> explain lora",
    "ts": "1764000002.000100",
}


@dataclass
class Instance:
    """One bot process's app, served on its own port."""

    bot: SlackBot
    slack: Signer
    runner: web.AppRunner

    async def stop(self) -> None:
        await self.runner.cleanup()
        self.bot.service.store.close()


Start = Callable[[str], Awaitable[Instance]]


@pytest.fixture
async def start(
    fake: FakeSlack,
    knowledge: Knowledge,
    database_url: str,  # noqa: F811
) -> AsyncIterator[Start]:
    """Start instances (``await start("bot-a")``) on one database, as the runner builds them
    but answering Slack after processing, so a test never races its listeners."""
    running: list[Instance] = []

    async def one(name: str) -> Instance:
        bot = SlackBot(
            web_client("xoxb-test-token", f"{fake.url}api/"),
            knowledge,
            SqlStore(database_url, instance=name),
            SqlInbox(database_url, instance=name),
            signing_secret=SECRET,
            process_before_response=True,
            retry=RetryPolicy(attempts=2, base_seconds=0.01),
            rate_limit_per_minute=0,
        )
        runner = web.AppRunner(bot.app.web_app(path=EVENTS_PATH))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        instance = Instance(bot, Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}"), runner)
        running.append(instance)
        return instance

    yield one
    for instance in running:
        await instance.stop()


async def test_a_retry_delivered_to_another_instance_is_not_answered_again(
    start: Start, fake: FakeSlack
) -> None:
    a, b = await start("bot-a"), await start("bot-b")
    assert (await a.slack.event(MENTION, "Ev-once"))[0] == 200
    status, _ = await b.slack.event(MENTION, "Ev-once", headers=RETRY)
    assert status == 200
    [answer] = fake.called("chat.postEphemeral")
    assert answer["user"] == BOB


async def test_a_retry_after_a_restart_is_not_answered_again(start: Start, fake: FakeSlack) -> None:
    first = await start("bot-a")
    await first.slack.event(MENTION, "Ev-restart")
    await first.stop()
    restarted = await start("bot-a")
    assert (await restarted.slack.event(MENTION, "Ev-restart", headers=RETRY))[0] == 200
    assert len(fake.called("chat.postEphemeral")) == 1


async def test_racing_deliveries_to_two_instances_are_answered_once(
    start: Start, fake: FakeSlack
) -> None:
    a, b = await start("bot-a"), await start("bot-b")
    statuses = await asyncio.gather(
        a.slack.event(MENTION, "Ev-race"), b.slack.event(MENTION, "Ev-race", headers=RETRY)
    )
    assert [status for status, _ in statuses] == [200, 200]
    assert len(fake.called("chat.postEphemeral")) == 1


async def test_a_retry_of_an_event_its_instance_died_processing_is_answered_once(
    start: Start,
    fake: FakeSlack,
    database_url: str,  # noqa: F811
) -> None:
    # A recorded the event (and acknowledged it) and died before answering.
    dead = SqlInbox(database_url, instance="bot-dead")
    long_ago = datetime.now(UTC) - 2 * LEASE
    record = json.dumps({"body": {"event": MENTION}, "bot_user_id": BOT_USER})
    dead.receive_delivery(Delivery("slack", "Ev-dead", record, long_ago), long_ago, LEASE)
    dead.close()
    b = await start("bot-b")
    await b.slack.event(MENTION, "Ev-dead", headers=RETRY)
    await b.slack.event(MENTION, "Ev-dead", headers=RETRY)
    [answer] = fake.called("chat.postEphemeral")
    assert answer["user"] == BOB


async def test_a_retry_while_another_instance_is_still_processing_is_left_to_it(
    start: Start,
    fake: FakeSlack,
    database_url: str,  # noqa: F811
) -> None:
    busy = SqlInbox(database_url, instance="bot-busy")
    now = datetime.now(UTC) - timedelta(seconds=5)
    record = json.dumps({"body": {"event": MENTION}, "bot_user_id": BOT_USER})
    busy.receive_delivery(Delivery("slack", "Ev-busy", record, now), now, LEASE)
    busy.close()
    b = await start("bot-b")
    assert (await b.slack.event(MENTION, "Ev-busy", headers=RETRY))[0] == 200
    assert fake.called("chat.postEphemeral") == []


async def test_an_interaction_delivered_to_two_instances_is_carried_out_once(
    start: Start, fake: FakeSlack
) -> None:
    """A slash command is keyed by its trigger_id in the shared inbox: the same one reaching
    a second instance (a proxy's retry, a Socket Mode redelivery) is acknowledged and ignored."""
    a, b = await start("bot-a"), await start("bot-b")
    url = f"{fake.url}respond/1"
    status_a, _ = await a.slack.command("topics", BOB, GENERAL.channel, url, trigger="7.7.7")
    status_b, _ = await b.slack.command("topics", BOB, GENERAL.channel, url, trigger="7.7.7")
    assert status_a == status_b == 200
    await asyncio.sleep(0.3)  # a second answer would have arrived by now
    assert len(fake.called("respond/1")) == 1
    # Another interaction of the same member (its own trigger) is its own.
    await b.slack.command("topics", BOB, GENERAL.channel, f"{fake.url}respond/2")
    assert len(fake.called("respond/2")) == 1
