"""`qotd run slack --http`: the runner's server answers signed requests at /slack/events."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from adapters.slack.runner import serve_http
from adapters.slack.settings import EVENTS_PATH
from bot.app import Knowledge
from tests.slack.conftest import BOB, GENERAL, make_bot
from tests.slack.fake_slack import FakeSlack, Signer

pytestmark = pytest.mark.asyncio(loop_scope="session")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_http_mode_serves_commands_and_starts_the_scheduler(
    fake: FakeSlack, knowledge: Knowledge, tmp_path: Path
) -> None:
    bot = make_bot(fake, knowledge, tmp_path / "q.db")
    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(serve_http(bot, "127.0.0.1", port, stop))
    try:
        slack = Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        for _ in range(100):
            if bot.scheduler.running:
                break
            await asyncio.sleep(0.05)
        status, _ = await slack.command("help", BOB, GENERAL.channel, f"{fake.url}respond/1")
        assert status == 200
        [reply] = fake.called("respond/1")
        assert "/qotd explain" in str(reply["blocks"]) and "/qotd doctor" in str(reply["blocks"])
        forged, _ = await slack.command("help", BOB, GENERAL.channel, "x", secret="wrong")
        assert forged == 401
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        bot.service.store.close()
