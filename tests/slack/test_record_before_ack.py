"""With the shipped setting (Bolt acknowledges before its listeners run), an event is
acknowledged only once it is recorded: when the database cannot take it, Slack gets no
acknowledgement, so it delivers the event again, and the log says why."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Knowledge
from tests.slack.conftest import BOB, serving
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_redelivery import MENTION, RETRY

pytestmark = pytest.mark.asyncio(loop_scope="session")

LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(60)
"""


@asynccontextmanager
async def sqlite_locked(db: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """Another process holding SQLite's write lock on ``db`` (a long transaction, a backup …)
    until the test kills it (or the block ends)."""
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(db), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert locker.stdout is not None and await locker.stdout.readline() == b"locked\n"
        yield locker
    finally:
        if locker.returncode is None:
            locker.kill()
            await locker.wait()


async def test_an_event_the_database_cannot_record_is_not_acknowledged_and_its_retry_is_answered(
    fake: FakeSlack,
    knowledge: Knowledge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("bot.storage.engine.BUSY_TIMEOUT_MS", 300)  # wait 0.3 s, not 15
    db = tmp_path / "q.db"
    async with (
        serving(fake, knowledge, db, process_before_response=False) as made,
        sqlite_locked(db) as locker,
    ):
        slack = made.slack
        with caplog.at_level(logging.ERROR):
            status, _ = await slack.event(MENTION, "Ev-locked")
        assert status == 503
        assert "could not record Slack event Ev-locked" in caplog.text
        assert "database is locked" in caplog.text and "explain lora" not in caplog.text
        locker.kill()
        await locker.wait()
        status, _ = await slack.event(MENTION, "Ev-locked", headers=RETRY)
        assert status == 200
        for _ in range(100):
            if fake.called("chat.postEphemeral"):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        [answer] = fake.called("chat.postEphemeral")
        assert answer["user"] == BOB


async def test_a_command_the_database_cannot_record_is_not_acknowledged(
    fake: FakeSlack,
    knowledge: Knowledge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Slack does not retry a slash command: unacknowledged, the member sees it failed (and
    can repeat it), rather than an ack for a command then lost."""
    monkeypatch.setattr("bot.storage.engine.BUSY_TIMEOUT_MS", 300)
    db = tmp_path / "q.db"
    async with (
        serving(fake, knowledge, db, process_before_response=False) as made,
        sqlite_locked(db) as locker,
    ):
        slack = made.slack
        url = f"{fake.url}respond/1"
        with caplog.at_level(logging.ERROR):
            status, _ = await slack.command("topics", BOB, "C0GENERAL", url, trigger="9.9.9")
        assert status == 503
        assert "could not record Slack command command:9.9.9" in caplog.text
        locker.kill()
        await locker.wait()
        await asyncio.sleep(0.5)
        assert fake.called("respond/1") == []  # nothing was carried out
        status, _ = await slack.command("topics", BOB, "C0GENERAL", f"{fake.url}respond/2")
        assert status == 200
        for _ in range(100):
            if fake.called("respond/2"):
                break
            await asyncio.sleep(0.05)
        [reply] = fake.called("respond/2")
        assert reply["response_type"] == "ephemeral"
