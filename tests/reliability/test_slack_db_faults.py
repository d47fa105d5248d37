"""The real ``qotd run slack --http`` (shipped settings) while its database fails mid-burst.

Members answer in 30 question threads, delivered as Slack delivers them (3 s timeout, up to
3 retries). Mid-burst a throwaway PostgreSQL server is stopped and started again, or another
process holds SQLite's write lock. An event the bot cannot record must not be acknowledged,
so that Slack sends it again; then every acknowledged answer is stored once and its member
told the feedback once. ``QOTD_FAULT_RUNS=3`` runs each fault 3 times and holds the SQLite
lock 40 s (CI: once, 16 s, just over SQLite's 15 s busy timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest

from tests.reliability.slack_run import (
    RUNS,
    SLACK_RETRIES,
    Deliveries,
    Held,
    Launcher,
    SlackSender,
    free_port,
    question_threads,
    settled,
)
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.faults]

ANSWERS = 150
FAULT_AFTER_ACKS = 40
SPACING = 0.04
"""Seconds between members' answers: the burst lasts about 6 s."""
OUTAGE_SECONDS = 6.0
LOCK_SECONDS = float(os.environ.get("QOTD_FAULT_LOCK_SECONDS", "40" if RUNS > 1 else "16"))


def scaled(outage: float) -> tuple[float, ...]:
    """Slack's retry delays, scaled so the 1-minute retry outlasts ``outage`` as it does 40 s."""
    return tuple(delay * max(outage, 1.0) / 40 for delay in SLACK_RETRIES)


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own, on a free port (run as ``postgres`` if root)."""

    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data / "db"), "-o", options,
            "-l", str(self.data / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop at once, as a crash would: connections drop, nothing is flushed politely."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data / "db"), "-m", "immediate", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        message = "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    data = Path(tempfile.mkdtemp(prefix="qotd-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    server = Cluster(Path(found[-1]).parent, data, free_port())
    server._run(str(server.bin / "initdb"), "-D", str(data / "db"), "-U", "postgres", "-A", "trust")
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


async def burst_with_fault(
    launcher: Launcher, fault: asyncio.Event, outage: float
) -> tuple[Deliveries, Held]:
    """Start the bot, deliver the answers, set ``fault`` after FAULT_AFTER_ACKS acks; returns
    what Slack saw and what is held once everything is processed."""
    question_threads(launcher.database_url)
    bot = await launcher.start("bot-a")

    def due(acks: int) -> None:
        if acks == FAULT_AFTER_ACKS:
            fault.set()

    sender = SlackSender(bot.port, retries=scaled(outage), on_ack=due)
    seen = await sender.deliver(range(ANSWERS), spacing=SPACING)
    return seen, await settled(launcher.database_url, launcher.fake, ANSWERS)


def report(what: str, seen: Deliveries, now: Held) -> str:
    return (
        f"\n{what}: {ANSWERS} answers, {len(seen.acked)} acknowledged, {seen.refused} tries "
        f"refused (503) and {seen.timed_out} timed out meanwhile, {len(seen.given_up)} given "
        f"up by Slack; stored {sum(now.stored.values())}, feedback to {len(now.feedback)}; "
        f"lost {len(now.lost(sorted(seen.acked)))}, twice {len(now.twice())}"
    )


@pytest.mark.parametrize("run", range(RUNS))
async def test_postgres_stopped_and_started_mid_burst_loses_no_acknowledged_answer(
    fake: FakeSlack,
    cluster: Cluster,
    tmp_path: Path,
    embedding_cache_dir: Path,
    run: int,
) -> None:
    launcher = Launcher(fake, cluster.url, tmp_path, embedding_cache_dir)
    fault = asyncio.Event()

    async def outage() -> None:
        await fault.wait()
        await asyncio.to_thread(cluster.stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(cluster.start)

    restarting = asyncio.create_task(outage())
    try:
        seen, now = await burst_with_fault(launcher, fault, OUTAGE_SECONDS)
        await restarting
    finally:
        restarting.cancel()
        await launcher.stop_all()
    print(report(f"PostgreSQL down {OUTAGE_SECONDS:.0f} s mid-burst (run {run + 1})", seen, now))
    assert seen.refused, "the outage was not seen: no delivery was refused"
    assert now.lost(sorted(seen.acked)) == [] and now.twice() == []
    assert now.lost(range(ANSWERS)) == []  # Slack's retries brought every answer in


HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("LOCKED", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


@pytest.mark.parametrize("run", range(RUNS))
async def test_sqlite_write_lock_held_by_another_process_loses_no_acknowledged_answer(
    fake: FakeSlack, tmp_path: Path, embedding_cache_dir: Path, run: int
) -> None:
    path = tmp_path / "qotd.db"
    url = f"sqlite:///{path}"
    launcher = Launcher(fake, url, tmp_path, embedding_cache_dir)
    fault = asyncio.Event()

    async def lock() -> None:
        await fault.wait()
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD_LOCK, str(path), str(LOCK_SECONDS),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"LOCKED"
        assert await holder.wait() == 0

    locking = asyncio.create_task(lock())
    try:
        seen, now = await burst_with_fault(launcher, fault, LOCK_SECONDS)
        await locking
    finally:
        locking.cancel()
        await launcher.stop_all()
    print(
        report(f"SQLite write lock held {LOCK_SECONDS:.0f} s mid-burst (run {run + 1})", seen, now)
    )
    assert seen.refused or seen.timed_out, "the lock was not felt: every try was acknowledged"
    assert now.lost(sorted(seen.acked)) == [] and now.twice() == []
    assert now.lost(range(ANSWERS)) == []
