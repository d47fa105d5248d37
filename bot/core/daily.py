"""The daily session: choose and post a question once per channel and local date, then reveal it."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.core import replies
from bot.core.model import ChannelRef, Item, MessageRef, Post, Reply, Schedule
from bot.core.ports import ChatPlatform, Metrics, NoMetrics, PlatformError, Store
from bot.core.retry import DEFAULT_RETRY, RetryPolicy, Sleep, with_retries
from bot.core.schedules import due_local_date, local_now, reveal_time
from bot.core.selection import LOW_STOCK_DAYS, Selection, choose, eligible

__all__ = ["CLAIM_TIMEOUT", "DEFAULT_RETRY", "DailySession", "RetryPolicy", "question_key"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PauseListener = Callable[[ChannelRef, Schedule], None]

CLAIM_TIMEOUT = timedelta(minutes=5)
"""A claim without a recorded message older than this is taken over by another instance."""

CLOCK_SKEW = timedelta(minutes=2)
"""How far the clocks of instances and platform may disagree (bounds the history lookup)."""

CATCH_UP_CONCURRENCY = 8
"""How many channels catch-up posts to at once (one slow channel never holds up the rest)."""


def question_key(post: Post) -> str:
    """The idempotency key of a claim's question post: whoever holds the claim (its first
    instance or one that took it over) posts with the same key, and only that claim does."""
    return f"qotd:{post.local_date}:{post.id}:{post.item_id}"


def pause_notice(channel: ChannelRef, error: BaseException) -> str:
    """What admins read after a permanent platform error paused the channel."""
    return (
        f"I could not post today's question here ({replies.clip(str(error), 200)}), "
        "so I paused daily questions in this channel. Check that I am still a member with "
        "permission to post, then run `/schedule resume`."
    )


class DailySession:
    """Posting, skipping and revealing daily questions, with the store as the source of truth."""

    def __init__(
        self,
        items: Sequence[Item],
        store: Store,
        platform: ChatPlatform,
        clock: Clock,
        *,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        metrics: Metrics | None = None,
        sleep: Sleep = asyncio.sleep,
        on_pause: PauseListener | None = None,
    ) -> None:
        self._items = list(items)
        self._by_id = {item.id: item for item in self._items}
        self._store = store
        self._platform = platform
        self._clock = clock
        self._claim_timeout = claim_timeout
        self._retry = retry
        self.metrics: Metrics = metrics or NoMetrics()
        self._sleep = sleep
        self.on_pause = on_pause
        # One lock per channel: selection and claim of a channel run one at a time in this
        # process, while different channels post concurrently.
        self._locks: dict[ChannelRef, asyncio.Lock] = {}

    def item(self, item_id: str) -> Item | None:
        """The bank item with this id."""
        return self._by_id.get(item_id)

    async def current_post(self, channel: ChannelRef) -> Post | None:
        """Today's (non-skipped) post in the channel, in the channel's timezone.

        A claim whose message is not recorded yet (being posted, or abandoned by a dead
        instance) is not a post members can see, so it does not count.
        """
        schedule = await asyncio.to_thread(self._store.get_schedule, channel) or Schedule()
        today = local_now(schedule, self._clock()).date().isoformat()
        latest = await asyncio.to_thread(self._store.latest_post, channel)
        visible = latest and latest.message is not None and not latest.skipped
        if latest and visible and latest.local_date.startswith(today):
            return latest
        return None

    async def post_if_due(self, channel: ChannelRef) -> Post | None:
        """The scheduler's entry point: post today's question if its time has come and it wasn't."""
        schedule = await asyncio.to_thread(self._store.ensure_channel, channel)
        day = due_local_date(schedule, self._clock())
        if day is None:
            return None
        return await self._post(channel, schedule, day.isoformat(), day)

    async def post_today(self, channel: ChannelRef) -> tuple[Post | None, bool]:
        """Today's post, posting it now if needed; the flag says whether it was just posted."""
        existing = await self.current_post(channel)
        if existing:
            return existing, False
        schedule = await asyncio.to_thread(self._store.ensure_channel, channel)
        day = local_now(schedule, self._clock()).date()
        posted = await self._post(channel, schedule, day.isoformat(), day)
        return posted, posted is not None

    async def skip(self, channel: ChannelRef) -> Post | None:
        """Replace today's question with another one (the skipped item counts as used)."""
        current = await self.current_post(channel)
        if current is None:
            return None
        await asyncio.to_thread(self._store.mark_skipped, current.id)
        schedule = await asyncio.to_thread(self._store.ensure_channel, channel)
        day = date.fromisoformat(current.local_date[:10])
        suffix = sum(1 for p in await self._recent(channel) if p.local_date.startswith(str(day)))
        return await self._post(channel, schedule, f"{day}~{suffix}", day, heading="New question")

    async def _recent(self, channel: ChannelRef) -> list[Post]:
        return await asyncio.to_thread(self._store.recent_posts, channel, 50)

    async def _post(
        self,
        channel: ChannelRef,
        schedule: Schedule,
        key: str,
        day: date,
        heading: str = "Question of the day",
    ) -> Post | None:
        async with self._locks.setdefault(channel, asyncio.Lock()):
            existing = await asyncio.to_thread(self._store.post_for_date, channel, key)
            if existing and not self._abandoned(existing):
                return None
            # An abandoned claim keeps its question: its instance may have posted it already.
            kept = self.item(existing.item_id) if existing else None
            if existing and kept:
                item, cycle, selection = kept, existing.cycle, None
            else:
                selection = await self._select(channel, schedule, key)
                item, cycle = selection.item, selection.cycle
            now = self._clock()
            post = await asyncio.to_thread(
                self._store.claim_post,
                channel,
                key,
                item.id,
                cycle,
                now,
                reveal_time(schedule, now),
                self._claim_timeout,
            )
            if post is None:
                return None
            # Taking over a dead instance's claim: it may have posted before it could record.
            taken_over = existing is not None and post.id == existing.id
            try:
                found = None
                if existing is not None and taken_over:
                    found = await self._find(post, existing.created_at - CLOCK_SKEW)
                if found is not None:
                    message = found
                else:
                    reply = replies.question_post(item, heading)
                    message = await self._deliver(channel, reply, question_key(post))
            except PlatformError as exc:
                await self._release(post, taken_over, exc)
                if exc.permanent:
                    await self._pause(channel, exc)
                raise
            except BaseException as exc:
                await self._release(post, taken_over, exc)
                raise
            await asyncio.to_thread(self._store.set_post_message, post.id, message)
        if selection and selection.low_stock:
            log.warning(
                "channel %s: %d questions left in cycle %d (fewer than %d)",
                channel,
                selection.remaining,
                selection.cycle,
                LOW_STOCK_DAYS,
            )
        self.metrics.post_made()
        if found is not None:
            log.info("recorded %s in %s for %s, posted by a dead instance", item.id, channel, day)
        else:
            log.info("posted %s in %s for %s", item.id, channel, day)
        stored = await asyncio.to_thread(self._store.get_post, post.id)
        return stored or post

    async def _select(self, channel: ChannelRef, schedule: Schedule, key: str) -> Selection:
        recent = [p for p in await self._recent(channel) if p.local_date != key]
        cycle = recent[0].cycle if recent else 0
        cycle_posts = await asyncio.to_thread(self._store.posts_in_cycle, channel, cycle)
        previous_topic = ""
        if recent and (prev := self.item(recent[0].item_id)):
            previous_topic = prev.topic
        return choose(self._items, schedule, cycle_posts, cycle, previous_topic, f"{channel}:{key}")

    async def _find(self, post: Post, since: datetime) -> MessageRef | None:
        """The question a dead instance posted for this claim before it could record it."""
        key = question_key(post)
        return await with_retries(
            lambda: self._platform.find_question(post.channel, key, since),
            self._retry,
            self._sleep,
            self.metrics,
            f"looking for an unrecorded post in {post.channel}",
        )

    async def _release(self, post: Post, taken_over: bool, error: BaseException) -> None:
        """Give up a claim whose posting failed, so that the next tick tries again.

        A claim taken over from a dead instance is kept unless the error is permanent: its
        key is what finds the dead instance's post, and a new claim would have another key.
        It is taken over (and looked for) again after the claim timeout.
        """
        permanent = isinstance(error, PlatformError) and error.permanent
        if taken_over and not permanent:
            log.warning("keeping claim %s in %s for a later takeover", post.id, post.channel)
            return
        await asyncio.to_thread(self._store.release_post, post.id)

    def _abandoned(self, post: Post) -> bool:
        """A claim whose instance never recorded a message within the claim timeout."""
        return post.message is None and post.created_at < self._clock() - self._claim_timeout

    async def _deliver(self, channel: ChannelRef, reply: Reply, key: str) -> MessageRef:
        """Post the question with bounded retries of transient errors."""
        return await self._retrying(
            channel, lambda: self._platform.post_question(channel, reply, key=key)
        )

    async def _retrying(
        self, channel: ChannelRef, call: Callable[[], Awaitable[MessageRef]]
    ) -> MessageRef:
        return await with_retries(
            call, self._retry, self._sleep, self.metrics, f"posting in {channel}"
        )

    async def _pause(self, channel: ChannelRef, error: PlatformError) -> None:
        """Stop posting in a channel the platform refuses for good, and tell its admins."""
        schedule = await asyncio.to_thread(self._store.ensure_channel, channel)
        paused = replace(schedule, paused=True)
        await asyncio.to_thread(self._store.set_schedule, channel, paused)
        await asyncio.to_thread(self._store.add_notice, channel, pause_notice(channel, error))
        log.warning("paused %s after a permanent platform error: %s", channel, error)
        if self.on_pause:
            self.on_pause(channel, paused)

    async def remaining_in_cycle(self, channel: ChannelRef) -> int:
        """How many questions the channel can still get before the bank starts over."""
        schedule = await asyncio.to_thread(self._store.ensure_channel, channel)
        recent = await self._recent(channel)
        cycle = recent[0].cycle if recent else 0
        asked = {
            p.item_id for p in await asyncio.to_thread(self._store.posts_in_cycle, channel, cycle)
        }
        return sum(1 for item in eligible(self._items, schedule) if item.id not in asked)

    async def reveal(self, post: Post) -> bool:
        """Reveal the post's answer in its thread with a wrap-up, exactly once."""
        item = self.item(post.item_id)
        if item is None or post.message is None:
            return False
        if not await asyncio.to_thread(self._store.mark_revealed, post.id, self._clock()):
            return False
        attempts = await asyncio.to_thread(self._store.attempts_for_post, post.id)
        reply = replies.reveal(item, attempts)
        remaining = await self.remaining_in_cycle(post.channel)
        if remaining < LOW_STOCK_DAYS:
            reply = Reply(
                title=reply.title,
                text=reply.text
                + f"\n\n_Admins: {remaining} question(s) left before the bank starts over; "
                "widen the filters with `/schedule topics=any` or add questions._",
            )
        thread = post.message
        await self._retrying(post.channel, lambda: self._platform.reply_in_thread(thread, reply))
        return True

    async def reveal_due(self) -> int:
        """Reveal every post whose reveal time has passed; returns how many were revealed."""
        due = await asyncio.to_thread(self._store.posts_due_for_reveal, self._clock())
        count = 0
        for post in due:
            try:
                count += await self.reveal(post)
            except Exception:
                self.metrics.error("reveal")
                log.exception("revealing post %s in %s failed", post.id, post.channel)
        return count

    async def catch_up(self) -> int:
        """On start-up: make posts missed while down (same local day only) and overdue reveals.

        Channels are posted to concurrently (bounded) and in random order, so several
        instances spread the work and a failing or slow channel never delays the others.
        """
        channels = [
            c for c, s in await asyncio.to_thread(self._store.list_channels) if not s.paused
        ]
        random.shuffle(channels)
        bound = asyncio.Semaphore(CATCH_UP_CONCURRENCY)

        async def one(channel: ChannelRef) -> bool:
            async with bound:
                try:
                    return (await self.post_if_due(channel)) is not None
                except Exception:
                    self.metrics.error("catch_up")
                    log.exception("catch-up post in %s failed", channel)
                    return False

        made = sum(await asyncio.gather(*(one(channel) for channel in channels)))
        await self.reveal_due()
        return made

    def week_start(self, schedule: Schedule) -> datetime:
        """Monday 00:00 of the current week in the channel's timezone."""
        local = local_now(schedule, self._clock())
        start = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return start

    def month_start(self, schedule: Schedule) -> datetime:
        """The first of the current month, 00:00, in the channel's timezone."""
        return local_now(schedule, self._clock()).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
