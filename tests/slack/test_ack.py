"""Slack's 3-second rule: /qotd is acknowledged before the core does any work."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.app import Knowledge
from bot.core.model import CommandInvocation, Reply
from tests.slack.conftest import BOB, GENERAL, serving
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_slow_command_is_acked_at_once_and_answered_later(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    async with serving(fake, knowledge, tmp_path / "q.db", process_before_response=False) as made:
        bot, slack = made.bot, made.slack
        bot.listeners.service = Slow(bot.listeners.service)  # type: ignore[assignment]
        status, _ = await slack.command("topics", BOB, GENERAL.channel, f"{fake.url}respond/1")
        # The HTTP ack came back while the (1.5 s) command was still running: no answer yet.
        assert status == 200
        assert fake.called("respond/1") == []
        for _ in range(100):
            if fake.called("respond/1"):
                break
            await asyncio.sleep(0.05)
        [reply] = fake.called("respond/1")
        assert reply["response_type"] == "ephemeral"


class Slow:
    """The service, with commands that take longer than Slack's three seconds would allow."""

    def __init__(self, service: Any) -> None:
        self._service = service

    async def on_command(self, command: CommandInvocation) -> Reply:
        await asyncio.sleep(1.5)
        reply: Reply = await self._service.on_command(command)
        return reply
