"""One owner for retries of sends: Slack accepts a question and answers 503, again and again.

The real SlackPlatform and slack_sdk client against the fake Web API on 127.0.0.1, driven by
the real DailySession on SQLite and PostgreSQL: slack_sdk repeats no send, the core looks the
claim's key up before any re-send, and members see each slot's question once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.platform import SlackPlatform, web_client
from bot.core.daily import DailySession, RetryPolicy
from bot.core.model import ChannelRef, Reply, Schedule
from bot.core.ports import PlatformError
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401
from tests.slack.fake_slack import TEAM, Canned, FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="session")

CHANNELS = [ChannelRef("slack", TEAM, f"C0SLOT{n}") for n in range(3)]
DAILY = Schedule(hour=9, timezone="UTC", weekdays=tuple(range(7)))
UNAVAILABLE = Canned(503, {"ok": False, "error": "service_unavailable"})
RETRY = RetryPolicy(attempts=4, base_seconds=0.0)


@dataclass
class Clock:
    # the fake's messages are stamped 1764000000.x (2025-11-24 16:00 UTC)
    now: datetime = field(default_factory=lambda: datetime(2025, 11, 24, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:  # noqa: F811
    opened = SqlStore(database_url)
    for channel in CHANNELS:
        opened.set_schedule(channel, DAILY)
    yield opened
    opened.close()


def daily(fake: FakeSlack, store: SqlStore, clock: Clock) -> DailySession:
    """The session as the Slack bot builds it (slack_sdk's default of 3 retries included)."""
    slack = SlackPlatform(web_client("xoxb-test", f"{fake.url}api/"))
    return DailySession(small_bank(12), store, slack, clock, retry=RETRY)


async def ticks(session: DailySession, clock: Clock, minutes: int) -> None:
    """The scheduler's minute ticks over ``minutes`` minutes, failures logged as it does."""
    for _ in range(minutes):
        for channel in CHANNELS:
            with contextlib.suppress(PlatformError):
                await session.post_if_due(channel)
        clock.now += timedelta(minutes=1)


async def test_twenty_accepted_then_failed_sends_give_one_post_per_slot(
    fake: FakeSlack, store: SqlStore
) -> None:
    fake.accept_then_answer("chat.postMessage", *[UNAVAILABLE] * 20)
    clock = Clock()
    await ticks(daily(fake, store, clock), clock, 30)
    for channel in CHANNELS:
        [question] = fake.posted(channel.channel)
        post = store.post_for_date(channel, "2025-11-24")
        assert post is not None and post.message is not None
        assert post.message.message_id == question["ts"]  # the thread members answer in
    assert len(fake.called("chat.postMessage")) == len(CHANNELS)


async def test_a_claim_is_kept_while_slack_cannot_say_whether_it_holds_the_post(
    fake: FakeSlack, store: SqlStore
) -> None:
    fake.accept_then_answer("chat.postMessage", *[UNAVAILABLE] * 20)
    # history is down for the rest of this round and the next tick's lookups
    fake.fail_next("conversations.history", *[UNAVAILABLE] * 40)
    clock = Clock()
    await ticks(daily(fake, store, clock), clock, 20)  # past the 5-minute claim timeout
    for channel in CHANNELS:
        [question] = fake.posted(channel.channel)
        post = store.post_for_date(channel, "2025-11-24")
        assert post is not None and post.message is not None
        assert post.message.message_id == question["ts"]
    assert len(fake.called("chat.postMessage")) == len(CHANNELS)


async def test_slack_sdk_repeats_no_send_but_retries_reads(fake: FakeSlack) -> None:
    slack = SlackPlatform(web_client("xoxb-test", f"{fake.url}api/"))
    thread = await slack.post_question(CHANNELS[0], Reply(text="q"), key="k")
    fake.accept_then_answer("chat.postMessage", UNAVAILABLE)
    with pytest.raises(PlatformError) as raised:
        await slack.reply_in_thread(thread, Reply(text="a thread reply"))
    assert not raised.value.unsent  # it may have been shown: nobody may repeat it
    assert len(fake.called("chat.postMessage")) == 2
    fake.fail_next("users.info", UNAVAILABLE)
    found = await slack.client.users_info(user="U0ADA")
    assert found["ok"] and len(fake.called("users.info")) == 2


async def test_a_rate_limited_question_is_unsent_and_left_to_the_core(fake: FakeSlack) -> None:
    slack = SlackPlatform(web_client("xoxb-test", f"{fake.url}api/"))
    limited = Canned(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    fake.fail_next("chat.postMessage", limited)
    with pytest.raises(PlatformError) as raised:
        await slack.post_question(CHANNELS[0], Reply(text="q"), key="k")
    assert raised.value.unsent and raised.value.retry_after == 1
    assert len(fake.called("chat.postMessage")) == 1


async def test_a_reveal_slack_may_have_accepted_is_not_repeated(
    fake: FakeSlack, store: SqlStore
) -> None:
    clock = Clock()
    session = daily(fake, store, clock)
    post = await session.post_if_due(CHANNELS[0])
    assert post is not None and post.message is not None
    fake.accept_then_answer("chat.postMessage", *[UNAVAILABLE] * 4)
    with pytest.raises(PlatformError):
        await session.reveal(post)
    replies = [c for c in fake.called("chat.postMessage") if c.get("thread_ts")]
    assert len(replies) == 1
    assert not await session.reveal(post)  # at most once
