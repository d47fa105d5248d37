"""SlackPlatform as the core sees it: what to retry, what pauses a channel, and how a question
posted by an instance that died before recording it is found again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.slack.platform import QUESTION_EVENT, SlackPlatform, web_client
from bot.core.model import MessageRef, Reply
from bot.core.ports import PlatformError
from tests.slack.conftest import GENERAL
from tests.slack.fake_slack import Canned, FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="session")


def platform(fake: FakeSlack) -> SlackPlatform:
    return SlackPlatform(web_client("xoxb-test", f"{fake.url}api/", retries=0))


async def test_rate_limit_left_after_retries_carries_slacks_retry_after(fake: FakeSlack) -> None:
    fake.fail_next(
        "chat.postMessage", Canned(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    )
    with pytest.raises(PlatformError) as raised:
        await platform(fake).post_question(GENERAL, Reply(text="q"), key="k")
    assert raised.value.retry_after == 7 and not raised.value.permanent


async def test_removed_channel_is_a_permanent_error(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", Canned(200, {"ok": False, "error": "channel_not_found"}))
    with pytest.raises(PlatformError) as raised:
        await platform(fake).post_question(GENERAL, Reply(text="q"), key="k")
    assert raised.value.permanent


async def test_reacting_twice_is_not_an_error(fake: FakeSlack) -> None:
    fake.fail_next("reactions.add", Canned(200, {"ok": False, "error": "already_reacted"}))
    await platform(fake).react(MessageRef(GENERAL, "1.2"), "white_check_mark")
    [call] = fake.called("reactions.add")
    assert call == {"channel": GENERAL.channel, "timestamp": "1.2", "name": "white_check_mark"}


KEY = "qotd:2026-11-24:7:item-03"
BEFORE = datetime.fromtimestamp(1763999000, UTC)  # the fake's messages are at 1764000000.x


async def test_a_question_carries_its_key_in_metadata_and_is_found_by_it(fake: FakeSlack) -> None:
    slack = platform(fake)
    posted = await slack.post_question(GENERAL, Reply(text="What is LoRA?"), key=KEY)
    [sent] = fake.called("chat.postMessage")
    assert sent["metadata"] == {"event_type": QUESTION_EVENT, "event_payload": {"key": KEY}}
    await slack.post_question(GENERAL, Reply(text="Another"), key="qotd:2026-11-25:8:item-04")
    assert await slack.find_question(GENERAL, KEY, BEFORE) == posted
    assert await slack.find_question(GENERAL, "qotd:2026-11-24:9:item-03", BEFORE) is None
    [history, *_] = fake.called("conversations.history")
    assert history["channel"] == GENERAL.channel and history["include_all_metadata"] == "1"


async def test_only_this_bots_messages_since_the_claim_are_taken_for_the_question(
    fake: FakeSlack,
) -> None:
    slack = platform(fake)
    metadata = {"event_type": QUESTION_EVENT, "event_payload": {"key": KEY}}
    other_app = FakeSlack.bot_message({"metadata": metadata}, "1764000000.000050", "BOTHER")
    fake.remember(GENERAL.channel, other_app)
    assert await slack.find_question(GENERAL, KEY, BEFORE) is None
    posted = await slack.post_question(GENERAL, Reply(text="q"), key=KEY)
    assert await slack.find_question(GENERAL, KEY, BEFORE) == posted
    later = datetime.fromtimestamp(1764000001, UTC)
    assert await slack.find_question(GENERAL, KEY, later) is None


async def test_the_question_is_found_below_a_busy_channels_first_page_of_history(
    fake: FakeSlack,
) -> None:
    slack = platform(fake)
    posted = await slack.post_question(GENERAL, Reply(text="q"), key=KEY)
    for n in range(450):
        chatter = {"type": "message", "user": "U0ADA", "text": "hi", "ts": f"1764000001.{n:06d}"}
        fake.remember(GENERAL.channel, chatter)
    assert await slack.find_question(GENERAL, KEY, BEFORE) == posted
    assert len(fake.called("conversations.history")) == 3
