"""The real Bolt app, served on 127.0.0.1, against the fake Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from adapters.slack.bot import SlackBot
from adapters.slack.platform import web_client
from adapters.slack.settings import EVENTS_PATH
from bot.app import Knowledge
from bot.core.daily import RetryPolicy
from bot.core.model import ChannelRef, Schedule
from bot.storage.inbox_store import SqlInbox
from bot.storage.sql_store import SqlStore
from tests.conftest import asking_lora
from tests.slack.fake_slack import SECRET, TEAM, FakeSlack, Signer

GENERAL = ChannelRef("slack", TEAM, "C0GENERAL")
ADA, BOB, ADMIN = "U0ADA", "U0BOB", "U0ADMIN"


@dataclass
class Harness:
    """Everything a Slack test touches."""

    fake: FakeSlack
    bot: SlackBot
    slack: Signer

    def response_url(self, n: int = 1) -> str:
        """A response_url served by the fake (its calls are recorded as ``respond/N``)."""
        return f"{self.fake.url}respond/{n}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    server.users = {
        ADA: {"id": ADA, "name": "ada", "profile": {"display_name": "Ada"}},
        BOB: {"id": BOB, "name": "bob", "profile": {"display_name": "Bob"}},
        ADMIN: {"id": ADMIN, "name": "root", "is_admin": True, "profile": {"real_name": "Root"}},
    }
    await server.start()
    yield server
    await server.stop()


def make_bot(
    fake: FakeSlack, knowledge: Knowledge, db: Path, *, process_before_response: bool = True
) -> SlackBot:
    """The SlackBot as the runner builds it, pointed at the fake.

    Tests let listeners finish before the HTTP response (``process_before_response``), so
    assertions never race them; production acks first.
    """
    store = SqlStore(f"sqlite:///{db}")
    store.set_schedule(GENERAL, Schedule(hour=0, timezone="UTC", weekdays=tuple(range(7))))
    return SlackBot(
        web_client("xoxb-test-token", f"{fake.url}api/"),
        knowledge,
        store,
        SqlInbox(store.database),  # one database
        signing_secret=SECRET,
        process_before_response=process_before_response,
        retry=RetryPolicy(attempts=2, base_seconds=0.01),
        rate_limit_per_minute=0,
    )


@asynccontextmanager
async def serving(
    fake: FakeSlack, knowledge: Knowledge, db: Path, *, process_before_response: bool = True
) -> AsyncIterator[Harness]:
    """The bot of ``make_bot`` served on 127.0.0.1, with a signer posting to it."""
    bot = make_bot(fake, knowledge, db, process_before_response=process_before_response)
    runner = web.AppRunner(bot.app.web_app(path=EVENTS_PATH))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield Harness(fake, bot, Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
    finally:
        await runner.cleanup()
        bot.qotd_app.close()


@pytest.fixture
async def harness(fake: FakeSlack, knowledge: Knowledge, tmp_path: Path) -> AsyncIterator[Harness]:
    async with serving(fake, knowledge, tmp_path / "q.db") as made:
        yield made


@pytest.fixture
async def lora_harness(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> AsyncIterator[Harness]:
    """A harness whose daily question is the LoRA vs QLoRA item."""
    async with serving(fake, asking_lora(knowledge), tmp_path / "q.db") as made:
        yield made
