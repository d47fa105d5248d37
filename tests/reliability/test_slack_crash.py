"""The real ``qotd run slack --http`` process, shipped settings, SIGKILLed mid-burst.

Bolt acknowledges events before its listeners run (``process_before_response=False``), so
only what was committed before the acknowledgement survives a kill. Members answer in 30
question threads; the process is killed after 200 acknowledgements and started again; Slack
(the test) resends what was not acknowledged and, as after lost acknowledgements, some of
what was. Then the database and the fake Slack are counted.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientError
from sqlalchemy import create_engine, func, select

from adapters.slack.settings import EVENTS_PATH
from bot.content.bank import load_bank
from bot.core.model import ChannelRef, MessageRef, Schedule
from bot.storage.sql_store import SqlStore
from bot.storage.tables import AttemptRow, InboxRow
from tests.slack.fake_slack import SECRET, TEAM, FakeSlack, Signer

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
THREADS = 30
ANSWERS = 600
KILL_AFTER_ACKS = 200
CONCURRENCY = 16
REDELIVERED_ACKED = 50
LEASE_SECONDS = 5
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def question_ts(n: int) -> str:
    return f"1764000000.1{n:05d}"


def question_threads(url: str) -> None:
    """THREADS paused channels, each with a question of the shipped bank posted in them."""
    items = load_bank().answered
    store = SqlStore(url)
    for n in range(THREADS):
        channel = ChannelRef("slack", TEAM, f"C0THREAD{n}")
        store.set_schedule(channel, Schedule(paused=True))
        item = items[n % len(items)]
        post = store.claim_post(channel, "2026-12-02", item.id, 0, store._clock(), None)
        assert post is not None
        store.set_post_message(post.id, MessageRef(channel, question_ts(n), question_ts(n)))
    store.close()


def answer(i: int) -> dict[str, Any]:
    """Member ``U0M{i}``'s answer in thread ``i % THREADS`` (one answer per member)."""
    n = i % THREADS
    return {
        "type": "message",
        "channel": f"C0THREAD{n}",
        "channel_type": "channel",
        "user": f"U0M{i}",
        "text": f"Answer {i}: it is about attention, training and the model's weights.",
        "ts": f"1764000100.{i:06d}",
        "thread_ts": question_ts(n),
    }


@dataclass
class SlackProcess:
    """One ``python -m bot run slack --http`` child."""

    process: asyncio.subprocess.Process
    port: int

    def kill(self) -> None:
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGKILL)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def start_bot(
    fake: FakeSlack, database_url: str, tmp_path: Path, embedding_cache_dir: Path
) -> AsyncIterator[Callable[[str], Any]]:
    """Start the real runner (``await start_bot("bot-a")``) with the shipped settings."""
    started: list[SlackProcess] = []

    async def start(instance: str) -> SlackProcess:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{fake.url}api/",
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": str(port),
            "QOTD_DATABASE_URL": database_url,
            "QOTD_CACHE_DIR": str(embedding_cache_dir),
            "QOTD_RATE_LIMIT_PER_MINUTE": "0",
            "QOTD_INSTANCE_ID": instance,
            "QOTD_INBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "QOTD_LOG_LEVEL": "WARNING",
        }
        path = tmp_path / f"{instance}-{len(started)}.log"
        log = path.open("ab")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "slack", "--http",
            cwd=tmp_path, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        bot = SlackProcess(process, port)
        started.append(bot)
        deadline = time.monotonic() + 120
        while b"listening on" not in path.read_bytes():
            assert process.returncode is None, path.read_text()
            assert time.monotonic() < deadline, "the Slack process did not start"
            await asyncio.sleep(0.2)
        return bot

    yield start
    for bot in started:
        bot.kill()
        await bot.process.wait()


async def deliver(
    port: int, events: list[int], on_ack: Callable[[int], None], headers: dict[str, str]
) -> tuple[set[int], set[int]]:
    """Send events (signed, 16 at a time); returns (acknowledged, not acknowledged)."""
    slack = Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}")
    acked: set[int] = set()
    failed: set[int] = set()
    bound = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with bound:
            try:
                status, _ = await slack.event(answer(i), f"Ev{i:05d}", headers=headers)
            except (TimeoutError, ClientError, OSError):
                status = 0
        if status == 200:
            acked.add(i)
            on_ack(len(acked))
        else:
            failed.add(i)

    await asyncio.gather(*(one(i) for i in events))
    return acked, failed


def counts(url: str) -> tuple[Counter[str], int]:
    """Attempts stored per Slack message ts, and inbox records not yet processed."""
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = Counter(str(ts) for ts in connection.scalars(select(AttemptRow.message_id)))
        open_records = connection.scalar(
            select(func.count()).select_from(InboxRow).where(InboxRow.done_at.is_(None))
        )
    engine.dispose()
    return stored, int(open_records or 0)


@pytest.mark.parametrize("restart_as", ["bot-b", "bot-a"], ids=["other-name", "same-name"])
async def test_sigkill_mid_burst_loses_no_acknowledged_answer_and_answers_none_twice(
    fake: FakeSlack, database_url: str, start_bot: Callable[[str], Any], restart_as: str
) -> None:
    question_threads(database_url)
    bot = await start_bot("bot-a")

    def kill_when_due(count: int) -> None:
        if count == KILL_AFTER_ACKS:
            bot.kill()

    acked, lost = await deliver(bot.port, list(range(ANSWERS)), kill_when_due, {})
    assert await bot.process.wait() == -signal.SIGKILL and lost, "not killed mid-burst"
    after_kill, unprocessed = counts(database_url)
    processed_before_kill = sum(1 for i in acked if after_kill[answer(i)["ts"]])

    # Under another name the dead run's claims are taken once the lease is over; under the
    # same name (a stable QOTD_INSTANCE_ID) at once, as its own orphans.
    restarted = await start_bot(restart_as)
    again = sorted(lost) + random.Random(13).sample(sorted(acked), REDELIVERED_ACKED)
    _, lost_again = await deliver(restarted.port, again, lambda _: None, RETRY)
    assert not lost_again
    for _ in range(360):  # until every record is processed, at most 3 minutes
        stored, still_open = counts(database_url)
        if not still_open:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # let the last ephemerals reach the fake

    ts = {i: answer(i)["ts"] for i in range(ANSWERS)}
    assert still_open == 0
    assert [i for i in acked if stored[ts[i]] != 1] == []  # no acknowledged answer lost
    assert set(stored) == set(ts.values()) and set(stored.values()) == {1}
    feedback = Counter(str(body["user"]) for body in fake.called("chat.postEphemeral"))
    assert max(feedback.values()) == 1  # nobody told twice
    without = [i for i in range(ANSWERS) if feedback[f"U0M{i}"] == 0]
    print(
        f"\n{database_url.split(':')[0]}, restarted as {restart_as}: {ANSWERS} answers over "
        f"{THREADS} threads, SIGKILL after {len(acked)} acks, "
        f"{len(acked) - processed_before_kill} of them not yet stored "
        f"({unprocessed} inbox records open); {len(lost)} unacknowledged; redelivered "
        f"{len(again)} incl. {REDELIVERED_ACKED} acknowledged; stored {sum(stored.values())}, "
        f"0 twice; feedback once to {ANSWERS - len(without)}, to {len(without)} never "
        "(stored, killed before the feedback)"
    )
