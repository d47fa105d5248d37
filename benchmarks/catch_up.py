"""Answer catch-up cost: 200 channels, each with an open question and 3 answers posted while
the bot was down; three catch-up runs (the second and third find nothing new).

``python benchmarks/catch_up.py [DATABASE_URL]`` (a fresh SQLite file by default). The
platform is the in-memory ThreadedPlatform and grading the deterministic fake of the
reliability tests, so this measures the core and the database, not Slack or Discord.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time

from bot.core.model import ChannelRef, Schedule, UserRef
from bot.core.service import QotdService
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import ThreadedPlatform
from tests.reliability.botproc import FakeGrader, FakeSearcher

CHANNELS = 200
MISSED = 3


async def main(url: str) -> None:
    store = SqlStore(url)
    platform = ThreadedPlatform()
    grader = FakeGrader()
    service = QotdService(small_bank(12), store, platform, FakeSearcher(), grader)
    for n in range(CHANNELS):
        channel = ChannelRef("bench", "w", f"c{n}")
        store.set_schedule(channel, Schedule(hour=0, weekdays=tuple(range(7))))
        post, _ = await service.daily.post_today(channel)
        assert post is not None and post.message is not None
        for m in range(MISSED):
            platform.say(post.message, UserRef("bench", f"u{m}", f"M{m}"), f"answer {m}")
    for run in range(3):
        started = time.perf_counter()
        graded = await service.catch_up_answers("bench")
        print(
            f"run {run + 1}: {graded} answers graded in {time.perf_counter() - started:.2f} s "
            f"({len(platform.reads)} thread reads so far)"
        )
    store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/q.db"))
