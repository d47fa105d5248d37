"""Answer catch-up: what members posted in open question threads while the bot was not
listening is read back from the platform and graded.

Discord cannot redeliver gateway events the bot missed, and nothing redelivers what was
posted on Slack while the process was down. So each open question thread (posted, not
revealed, not skipped) is read from the last message caught up before, and every member
message not graded yet goes through the normal answer path. A message also seen live (or by
another instance) is stored once, since attempts are unique per post and message, so its
feedback is sent once, whichever path gets there first.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import cast

from bot.core.commands import clean_text, explain_query
from bot.core.model import ChannelRef, IncomingMessage, Post
from bot.core.ports import ChatPlatform, Store, ThreadReader

log = logging.getLogger(__name__)

OPEN_FOR = timedelta(days=7)
"""Posts older than this are not read back, even when never revealed."""

MAX_MESSAGES = 500
"""Thread messages read per post and run; the rest wait for the next run."""

PAGE = 100
"""Messages asked for per read (Discord's page size; Slack's platform pages itself)."""

CONCURRENCY = 4
"""Threads read at once, so a reconnect does not burst past the platform's rate limits."""

Answer = Callable[[IncomingMessage], Awaitable[None]]
Serves = Callable[[ChannelRef], bool]


class NotYet(Exception):
    """Raised by the answer path for an answer stored without its feedback that another
    process may still be answering: it is read again on the next run, not now."""


def is_answer(message: IncomingMessage) -> bool:
    """A message the live path would grade: in a thread, not empty, not a request to the bot."""
    return (
        message.thread is not None
        and bool(clean_text(message.text))
        and explain_query(message.text) is None
        and not message.mentions_bot
    )


class AnswerCatchUp:
    """Reads open question threads back and hands unseen member answers to ``answer``."""

    def __init__(
        self,
        store: Store,
        platform: ChatPlatform,
        answer: Answer,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._platform = platform
        self._answer = answer
        self._clock = clock
        self._threads: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._task: asyncio.Task[int] | None = None
        self._again: tuple[str, Serves] | None = None

    @property
    def reader(self) -> ThreadReader | None:
        """The platform, when it can read threads back."""
        if getattr(self._platform, "thread_messages", None) is None:
            return None
        return cast(ThreadReader, self._platform)

    async def run(self, platform: str, serves: Serves = lambda _: True) -> int:
        """Catch up every open post of ``platform`` in the channels ``serves`` accepts;
        returns how many unseen answers were handed to the answer path."""
        if self.reader is None:
            return 0
        since = self._clock() - OPEN_FOR
        posts = await asyncio.to_thread(self._store.open_posts, platform, since)
        posts = [post for post in posts if serves(post.channel)]
        bound = asyncio.Semaphore(CONCURRENCY)

        async def one(post: Post) -> int:
            async with bound:
                return await self.post(post)

        handed = sum(await asyncio.gather(*(one(post) for post in posts)))
        log.info("caught up %d open thread(s): %d unseen answer(s) graded", len(posts), handed)
        return handed

    @property
    def task(self) -> asyncio.Task[int] | None:
        """The latest background run (``soon``), if one was started."""
        return self._task

    def soon(self, platform: str, serves: Serves = lambda _: True) -> asyncio.Task[int]:
        """Run in the background; a request while a run is going makes one more run after
        it (not a concurrent one), so reconnects in a burst never race each other."""
        if self._task is not None and not self._task.done():
            self._again = (platform, serves)
            return self._task
        self._task = asyncio.create_task(self._runs(platform, serves))
        return self._task

    async def _runs(self, platform: str, serves: Serves) -> int:
        handed = 0
        while True:
            try:
                handed += await self.run(platform, serves)
            except Exception:
                log.exception(
                    "catching up answers on %s failed; the next (re)connect retries", platform
                )
            if self._again is None:
                return handed
            platform, serves = self._again
            self._again = None

    def stop(self) -> None:
        """Cancel a background run (shutdown)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def post(self, post: Post) -> int:
        """Catch up one post's thread (one run at a time per thread in this process).

        Never raises: a failure is logged and the thread is read again from where it stopped
        on the next run.
        """
        lock = self._threads.get(post.id)
        if lock is None:
            lock = self._threads[post.id] = asyncio.Lock()
        async with lock:
            return await self._read(post)

    async def _read(self, post: Post) -> int:
        reader = self.reader
        if reader is None or post.message is None:
            return 0
        thread = post.message
        handed = read = 0
        try:
            mark = await asyncio.to_thread(self._store.thread_mark, post.id)
            after = mark or thread.thread_id or thread.message_id
            attempts = await asyncio.to_thread(self._store.attempts_for_post, post.id)
            # Stored without feedback (its process died, or is still sending it): handed
            # to the answer path again, which sends the feedback or leaves it for later.
            graded = {a.message_id for a in attempts if a.message_id and a.feedback_sent}
            held: str | None = None  # the mark stays before the first answer left for later
            while read < MAX_MESSAGES:
                limit = min(PAGE, MAX_MESSAGES - read)
                page = await reader.thread_messages(thread, after, limit)
                if not page.last:
                    break
                before = after
                for message in page.messages:
                    ref = message.message
                    if ref is not None and ref.message_id not in graded and is_answer(message):
                        try:
                            await self._answer(message)  # on failure the mark stays before it
                            handed += 1
                        except NotYet:
                            held = before if held is None else held
                    before = ref.message_id if ref is not None else before
                after = page.last
                read += limit
                mark = after if held is None else held
                await asyncio.to_thread(self._store.set_thread_mark, post.id, mark, self._clock())
                if not page.more:
                    break
        except Exception:
            log.warning(
                "catching up the thread of post %s in %s stopped; the next run goes on from there",
                post.id,
                post.channel,
                exc_info=True,
            )
        return handed
