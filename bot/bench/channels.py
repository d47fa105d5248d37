"""``qotd bench --channels``: what a quiet minute costs with many channels, and how fast due
channels are posted to a fake platform that enforces a rate limit, with 1 and 3 instances.

Everything runs the real store, service and scheduler; only the platform is a fake (an HTTP
server on 127.0.0.1 answering 429 with ``retry_after`` past its rate, after a fixed latency).
The module only uses APIs that existed before due work was moved into the database, so the
same file measures the code before the change (``PYTHONPATH`` at an older checkout).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy import create_engine, insert, make_url, text

from bot.content.bank import load_bank
from bot.core.daily import RetryPolicy
from bot.core.model import ChannelRef, Grade, Item, MessageRef, Reply, UserRef
from bot.core.ports import PlatformError
from bot.core.retrieval import ExplainResult
from bot.core.service import QotdService
from bot.scheduling import DailyScheduler
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from bot.storage.tables import ChannelRow

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SQLITE_MAX = 10_000
PLATFORM = "bench"
NEW_CODE = hasattr(QotdService, "run_posts")
"""True on the code with due work in the database (the scheduler then has no channel jobs)."""
HEARTBEATS = hasattr(QotdService, "run_heartbeat")
"""True on the code whose instances split the post rate by heartbeats (given the whole rate);
before, each instance was given the rate divided by the instance count."""


# ----- databases ----------------------------------------------------------------------
def new_database(backend: str, admin_url: str) -> str:
    """A fresh empty database on ``backend`` ('postgresql' or 'sqlite')."""
    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='qotd-bench-')}/qotd.db"
    name = f"qotd_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, admin_url: str) -> None:
    """Remove a database made by ``new_database``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").unlink(missing_ok=True)
        return
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def seed(url: str, count: int, *, due: bool, now: datetime) -> None:
    """Migrate, then bulk-insert ``count`` channels: all due now (daily at 00:00 UTC), or none
    due today (today is their day off), as a quiet minute finds them."""
    SqlStore(url).close()
    today = now.weekday()
    days = tuple(range(7)) if due else tuple(d for d in range(7) if d != today)
    weekdays = ",".join(map(str, days))
    columns = ChannelRow.__table__.c
    extra: dict[str, Any] = {}
    if "next_post_at" in columns:  # the slot each channel is next due, as the poster keeps it
        from bot.core.model import Schedule
        from bot.core.schedules import next_monday_slot, next_slot

        schedule = Schedule(hour=0, minute=0, weekdays=days)
        extra = {
            "next_post_at": next_slot(schedule, now),
            "next_recap_at": next_monday_slot(schedule, now, now.date()),
        }
    row = {
        "platform": PLATFORM,
        "workspace": "w",
        "hour": 0,
        "minute": 0,
        "timezone": "UTC",
        "weekdays": weekdays,
        "reveal_after_minutes": 480,
        "topics": "",
        "difficulty": "",
        "paused": False,
        "cycle": 0,
        **extra,
    }
    engine = create_engine(url)
    with engine.begin() as connection:
        for start in range(0, count, 5_000):
            chunk = [
                {**row, "channel": f"c{n:06d}"} for n in range(start, min(count, start + 5_000))
            ]
            connection.execute(insert(ChannelRow), chunk)
    engine.dispose()


# ----- the service without model or chat server ---------------------------------------
class NullSearcher:
    """Explain is not benchmarked here."""

    def search(self, query: str, k: int = 3) -> ExplainResult:
        return ExplainResult(query=query, matches=(), abstained=True, nearest_topics=())


class NullGrader:
    """Grading is not benchmarked here."""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        return Grade(item.id, 0, (), item.key_points, attempt=False)


class BenchPlatform:
    """Posts to the fake platform over HTTP; its 429 becomes a PlatformError with
    ``retry_after``, as the Slack and Discord adapters translate theirs."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._http: ClientSession | None = None

    def _session(self) -> ClientSession:
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=30))
        return self._http

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        body = {"channel": channel.channel, "key": key}
        async with self._session().post(f"{self._url}/post", json=body) as response:
            data: dict[str, Any] = await response.json()
        if response.status == 429:
            raise PlatformError("rate limited", retry_after=data["retry_after"], unsent=True)
        return MessageRef(channel, str(data["id"]), str(data["id"]))

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        query = {"channel": channel.channel, "key": key}
        async with self._session().get(f"{self._url}/find", params=query) as response:
            data: dict[str, Any] = await response.json()
        if response.status == 429:
            raise PlatformError("rate limited", retry_after=data["retry_after"], unsent=True)
        found = data.get("id")
        return MessageRef(channel, str(found), str(found)) if found else None

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        return thread

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        return None

    async def react(self, message: MessageRef, emoji: str) -> None:
        return None


def build_service(url: str, platform: Any, name: str, post_rate: float = 0.0) -> QotdService:
    """The service as ``bootstrap`` builds it (learning loop included), without a model."""
    options: dict[str, Any] = {
        "rate_limit_per_minute": 0,
        "claim_timeout": timedelta(seconds=60),
        "retry": RetryPolicy(attempts=6, base_seconds=0.2, cap_seconds=5),
        "learning": SqlLearningStore(url),
    }
    parameters = inspect.signature(QotdService).parameters
    if "post_rate" in parameters:
        options["post_rate"] = post_rate
    return QotdService(
        load_bank().items,
        SqlStore(url, instance=name),
        platform,
        NullSearcher(),
        cast(Any, NullGrader()),
        **options,
    )


def start_scheduler(service: QotdService, tick_seconds: float) -> DailyScheduler:
    """The scheduler as the adapters start it (before: one cron job per channel)."""
    scheduler = DailyScheduler(service, tick_seconds=tick_seconds)
    if NEW_CODE:
        scheduler.start()
    else:
        scheduler.start(service.store.list_channels())
    return scheduler


async def idle_tick(service: QotdService) -> None:
    """What the minute tick runs for posts and reveals."""
    if NEW_CODE:
        await service.run_posts()
        await service.run_reveals()
    else:
        await service.catch_up_missed()  # the catch-up over every channel, then reveals


def rss_mb() -> float:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ----- subprocess modes -----------------------------------------------------------------
async def instance_mode(url: str) -> None:
    """Start one instance on a seeded database: start-up time and memory, then exit."""
    before = rss_mb()
    started = time.perf_counter()
    service = build_service(url, BenchPlatform("http://127.0.0.1:9"), "probe")
    scheduler = start_scheduler(service, 60)
    startup = time.perf_counter() - started
    scheduler.shutdown()
    print(json.dumps({"startup_s": startup, "rss_mb": rss_mb(), "base_rss_mb": before}))


async def post_mode(url: str, fake: str, name: str, rate: str) -> None:
    """One posting instance: waits for GO on stdin, then runs its scheduler until killed."""
    # A tick still running when the next is due is skipped, and APScheduler says so each time.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    service = build_service(url, BenchPlatform(fake), name, float(rate))
    if HEARTBEATS:  # known to the others before GO, as instances running for a while are
        await service.run_heartbeat()
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    start_scheduler(service, 1.0)
    await service.catch_up_missed()
    await asyncio.Event().wait()


# ----- the fake platform ------------------------------------------------------------------
@dataclass
class FakePlatform:
    """A token bucket of ``rate`` requests/s (burst of a fifth of a second) behind ``latency``
    seconds; records each channel's posts."""

    rate: float
    latency: float
    posts: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    refused: int = 0
    times: list[float] = field(default_factory=list)
    first: float = 0.0
    last: float = 0.0
    _tokens: float = 0.0
    _at: float = 0.0

    def _take(self) -> float:
        """0 if the request may go ahead, else the seconds until a token is there."""
        now = time.monotonic()
        burst = max(1.0, self.rate / 5)
        self._tokens = min(burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    async def post(self, request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(self.latency)
        wait = self._take()
        if wait:
            self.refused += 1
            return web.json_response({"retry_after": wait}, status=429)
        channel = str(body["channel"])
        self.posts.setdefault(channel, []).append(str(body["key"]))
        self.keys[channel, str(body["key"])] = len(self.keys) + 1
        self.first = self.first or time.monotonic()
        self.last = time.monotonic()
        self.times.append(self.last)
        return web.json_response({"id": self.keys[channel, str(body["key"])]})

    async def find(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.latency)
        wait = self._take()
        if wait:
            self.refused += 1
            return web.json_response({"retry_after": wait}, status=429)
        found = self.keys.get((request.query["channel"], request.query["key"]))
        return web.json_response({"id": found} if found else {})


async def posting_run(
    url: str, channels: int, instances: int, rate: float, latency: float
) -> dict[str, Any]:
    """Post ``channels`` due channels with ``instances`` processes against the fake."""
    fake = FakePlatform(rate, latency)
    app = web.Application()
    app.router.add_post("/post", fake.post)
    app.router.add_get("/find", fake.find)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake_url = f"http://127.0.0.1:{port}"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.bench.channels",
            "post",
            url,
            fake_url,
            f"bench-{n}",
            str(rate if HEARTBEATS else rate / instances),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for n in range(instances)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert (await proc.stdout.readline()).strip() == b"READY"
        started = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"GO\n")
            await proc.stdin.drain()
        limit = channels / rate * 3 + 60
        while len(fake.posts) < channels and time.monotonic() - started < limit:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        done = time.monotonic()
        await asyncio.sleep(2.0)  # anything posted twice shows up now
    finally:
        for proc in procs:
            proc.kill()
            await proc.wait()
        await runner.cleanup()
    posted = sum(len(keys) for keys in fake.posts.values())
    seconds = done - started
    # Steady state: the middle 80% of the posts, without start-up and the last stragglers.
    times = sorted(fake.times)
    low, high = times[len(times) // 10], times[len(times) * 9 // 10] if times else 0.0
    steady = (len(times) * 8 // 10) / (high - low) if high > low else 0.0
    return {
        "channels": channels,
        "instances": instances,
        "rate": rate,
        "posted_channels": len(fake.posts),
        "repeated": posted - len(fake.posts),
        "seconds": round(seconds, 1),
        "per_second": round(len(fake.posts) / seconds, 1),
        "of_rate": round(len(fake.posts) / seconds / rate, 3),
        "refused_429": fake.refused,
        "first_post_s": round(fake.first - started, 2) if fake.first else None,
        "steady_of_rate": round(steady / rate, 3),
    }


# ----- the benchmark ----------------------------------------------------------------------
def time_ticks(url: str, repeat: int) -> dict[str, float]:
    """Median idle and learning tick (seconds) on a seeded database, nothing due."""

    async def measure() -> dict[str, float]:
        service = build_service(url, BenchPlatform("http://127.0.0.1:9"), "ticks")
        idle: list[float] = []
        learning: list[float] = []
        await idle_tick(service)  # the first look after start-up (warms the connection pool)
        await service.run_learning()
        for _ in range(repeat):
            started = time.perf_counter()
            await idle_tick(service)
            idle.append(time.perf_counter() - started)
            started = time.perf_counter()
            await service.run_learning()
            learning.append(time.perf_counter() - started)
        service.store.close()
        return {"idle_s": statistics.median(idle), "learning_s": statistics.median(learning)}

    return asyncio.run(measure())


def probe_instance(url: str) -> dict[str, float]:
    """Start-up time and memory of one instance, in its own process."""
    out = subprocess.run(
        [sys.executable, "-m", "bot.bench.channels", "instance", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def run_channel_bench(
    sizes: Sequence[int],
    admin_url: str = DEFAULT_POSTGRES,
    *,
    repeat: int = 5,
    post_channels: int = 20_000,
    instances: Sequence[int] = (1, 3),
    rate: float = 50.0,
    latency: float = 0.03,
    backends: Sequence[str] = ("postgresql", "sqlite"),
) -> dict[str, Any]:
    """Idle and learning ticks, start-up and memory per size and backend; then posting."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for backend in backends:
        for size in sizes:
            if backend == "sqlite" and size > SQLITE_MAX:
                continue
            url = new_database(backend, admin_url)
            try:
                started = time.perf_counter()
                seed(url, size, due=False, now=now)
                seeded = time.perf_counter() - started
                row: dict[str, Any] = {"backend": backend, "channels": size}
                row.update(time_ticks(url, repeat))
                row.update(probe_instance(url))
                row["seed_s"] = round(seeded, 1)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
            finally:
                drop_database(url, admin_url)
    posting: list[dict[str, Any]] = []
    for count in instances if post_channels else ():
        url = new_database("postgresql", admin_url)
        try:
            seed(url, post_channels, due=True, now=now)
            run = asyncio.run(posting_run(url, post_channels, count, rate, latency))
            posting.append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
        finally:
            drop_database(url, admin_url)
    return {"code": "due work" if NEW_CODE else "scan", "ticks": rows, "posting": posting}


def render_channels(result: dict[str, Any]) -> str:
    """The result as two Markdown tables."""
    lines = [
        f"code: {result['code']}",
        "",
        "| backend | channels | idle tick | learning tick | start-up | RSS |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["ticks"]:
        lines.append(
            f"| {r['backend']} | {r['channels']:,} | {r['idle_s'] * 1000:.1f} ms | "
            f"{r['learning_s'] * 1000:.1f} ms | {r['startup_s']:.2f} s | {r['rss_mb']:.0f} MB |"
        )
    if result["posting"]:
        lines += [
            "",
            "| due channels | instances | time | posts/s | of the rate limit | repeated | 429s |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in result["posting"]:
            lines.append(
                f"| {p['posted_channels']:,}/{p['channels']:,} | {p['instances']} | "
                f"{p['seconds']} s | {p['per_second']} | {p['of_rate']:.0%} | {p['repeated']} | "
                f"{p['refused_429']} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """Subprocess entry points (``instance``, ``post``)."""
    mode, *args = argv
    if mode == "instance":
        asyncio.run(instance_mode(*args))
    elif mode == "post":
        asyncio.run(post_mode(*args))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
