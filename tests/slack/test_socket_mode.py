"""Socket Mode wiring: the real AsyncSocketModeHandler against the fake's websocket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.runner import serve_socket_mode
from bot.app import Knowledge
from tests.slack.conftest import BOB, GENERAL, make_bot
from tests.slack.fake_slack import BOT_USER, TEAM, FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the fake Slack"
        await asyncio.sleep(0.02)


def mention(event_id: str, retry_attempt: int = 0) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "channel": GENERAL.channel,
        "user": BOB,
        "text": f"<@{BOT_USER}> explain lora",
        "ts": "1764000010.000100",
    }
    return {
        "envelope_id": f"env-{event_id}-{retry_attempt}",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
        "payload": {
            "team_id": TEAM,
            "api_app_id": "AQOTD",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        },
    }


async def test_socket_mode_acks_envelopes_and_answers_once_per_event(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    bot = make_bot(fake, knowledge, tmp_path / "q.db")
    stop = asyncio.Event()
    task = asyncio.create_task(serve_socket_mode(bot, "xapp-1-test", stop))
    try:
        await fake.envelopes.put(mention("Ev-sock"))
        await fake.envelopes.put(mention("Ev-sock", retry_attempt=1))
        await until(lambda: len(fake.acks) == 2)
        await until(lambda: len(fake.called("chat.postEphemeral")) >= 1)
        await asyncio.sleep(0.2)  # a second answer would have arrived by now
        assert {a["envelope_id"] for a in fake.acks} == {"env-Ev-sock-0", "env-Ev-sock-1"}
        [answer] = fake.called("chat.postEphemeral")
        assert answer["user"] == BOB and "lora" in str(answer["blocks"]).lower()
        assert fake.called("apps.connections.open")
        assert bot.scheduler.running
        await bot.start()  # what a reconnect would trigger: the scheduler is not started twice
        # the posting, reveal, learning and heartbeat ticks; slots live in the database
        assert len(bot.scheduler._scheduler.get_jobs()) == 4
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        bot.service.store.close()
    assert not bot.scheduler.running


async def test_socket_mode_slash_command_is_answered_through_its_response_url(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    bot = make_bot(fake, knowledge, tmp_path / "q.db")
    stop = asyncio.Event()
    task = asyncio.create_task(serve_socket_mode(bot, "xapp-1-test", stop))
    command = {
        "token": "legacy",
        "team_id": TEAM,
        "channel_id": GENERAL.channel,
        "user_id": BOB,
        "user_name": "bob",
        "command": "/qotd",
        "text": "topics",
        "response_url": f"{fake.url}respond/7",
        "trigger_id": "1.2.3",
    }
    try:
        await fake.envelopes.put(
            {
                "envelope_id": "env-cmd",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        await until(lambda: bool(fake.called("respond/7")))
        [reply] = fake.called("respond/7")
        assert reply["response_type"] == "ephemeral" and reply["blocks"][0]["type"] == "header"
        await until(lambda: any(a["envelope_id"] == "env-cmd" for a in fake.acks))
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        bot.service.store.close()
