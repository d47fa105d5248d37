"""SlackPlatform's errors as the core sees them: what to retry, what pauses a channel."""

from __future__ import annotations

import pytest

from adapters.slack.platform import SlackPlatform, web_client
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
        await platform(fake).post_question(GENERAL, Reply(text="q"))
    assert raised.value.retry_after == 7 and not raised.value.permanent


async def test_removed_channel_is_a_permanent_error(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", Canned(200, {"ok": False, "error": "channel_not_found"}))
    with pytest.raises(PlatformError) as raised:
        await platform(fake).post_question(GENERAL, Reply(text="q"))
    assert raised.value.permanent


async def test_reacting_twice_is_not_an_error(fake: FakeSlack) -> None:
    fake.fail_next("reactions.add", Canned(200, {"ok": False, "error": "already_reacted"}))
    await platform(fake).react(MessageRef(GENERAL, "1.2"), "white_check_mark")
    [call] = fake.called("reactions.add")
    assert call == {"channel": GENERAL.channel, "timestamp": "1.2", "name": "white_check_mark"}
