"""The daily session: choose and post a question once per channel and local date, then reveal it."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.core import replies
from bot.core.model import ChannelRef, Item, MessageRef, Post, Reply, Schedule
from bot.core.ports import ChatPlatform, Metrics, NoMetrics, PlatformError, Store
from bot.core.retry import DEFAULT_RETRY, TRANSIENT_ERRORS, RetryPolicy, Sleep, with_retries
from bot.core.schedules import due_local_date, local_now, reveal_time, zone
from bot.core.selection import LOW_STOCK_DAYS, Selection, choose, eligible

__all__ = [
    "CLAIM_TIMEOUT",
    "DEFAULT_RETRY",
    "DailySession",
    "MaybePosted",
    "RetryPolicy",
    "question_key",
]

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


def lookup_since(post: Post, schedule: Schedule, claimed_at: datetime) -> datetime:
    """From when the platform is searched for a claim's post: the start of its local day (or
    the claim, if earlier), less the clock skew.

    A fixed point, not the latest takeover: a claim kept and taken over several times is
    still searched back to its first send.
    """
    day = date.fromisoformat(post.local_date[:10])
    start = datetime.combine(day, time(), zone(schedule.timezone))
    return min(start, claimed_at) - CLOCK_SKEW


FAILURES: tuple[type[BaseException], ...] = (PlatformError, *TRANSIENT_ERRORS)
"""What a platform call raises when it fails."""


class MaybePosted(PlatformError):
    """Posting failed and the platform could not be asked whether it holds the post."""


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
        self.before_reveal: Callable[[Post], Awaitable[object]] | None = None
        """Runs before a post's wrap-up is made (answer catch-up of its thread)."""
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
            claimed_at = existing.created_at if existing is not None else post.created_at
            since = lookup_since(post, schedule, claimed_at)
            reply = replies.question_post(item, heading)
            try:
                message, found = await self._deliver(post, reply, since, look_first=taken_over)
            except PlatformError as exc:
                await self._release(post, exc)
                if exc.permanent:
                    await self._pause(channel, exc)
                raise
            except BaseException as exc:
                await self._release(post, exc)
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
        if found:
            log.info("recorded %s in %s for %s, found on the platform", item.id, channel, day)
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

    async def _release(self, post: Post, error: BaseException) -> None:
        """Give up a claim whose posting failed, so that the next tick tries again, unless the
        platform may hold its post.

        The claim's key is what finds a post the platform accepted without saying so: the claim
        is released only after a permanent refusal, or once a lookup after the last send found
        nothing. Otherwise (the lookup failed too, or the send was cut short) it is kept, and
        taken over and looked for again after the claim timeout.
        """
        permanent = isinstance(error, PlatformError) and error.permanent
        if not permanent and (isinstance(error, MaybePosted) or not isinstance(error, Exception)):
            log.warning("keeping claim %s in %s for a later takeover", post.id, post.channel)
            return
        await asyncio.to_thread(self._store.release_post, post.id)

    def _abandoned(self, post: Post) -> bool:
        """A claim whose instance never recorded a message within the claim timeout."""
        return post.message is None and post.created_at < self._clock() - self._claim_timeout

    async def _deliver(
        self, post: Post, reply: Reply, since: datetime, *, look_first: bool
    ) -> tuple[MessageRef, bool]:
        """Post the question with bounded retries; the flag says it was found, not posted.

        The core alone retries question posts (the adapters do not), and before any re-send,
        and first of all on a takeover, it asks the platform for the claim's key: a send the
        platform accepted, even one answered with an error, is never repeated.
        """
        channel, key = post.channel, question_key(post)
        sent = False

        async def attempt() -> tuple[MessageRef, bool]:
            nonlocal sent
            if sent or look_first:
                found = await self._platform.find_question(channel, key, since)
                if found is not None:
                    return found, True
            sent = True
            return await self._platform.post_question(channel, reply, key=key), False

        try:
            return await with_retries(
                attempt, self._retry, self._sleep, self.metrics, f"posting in {channel}"
            )
        except PlatformError as exc:
            if exc.permanent:
                raise
            error: BaseException = exc
        except TRANSIENT_ERRORS as exc:
            error = exc
        # The last send may still have reached the platform: one more look decides.
        try:
            found = await self._platform.find_question(channel, key, since)
        except FAILURES as exc:
            raise MaybePosted(f"posting in {channel} failed ({error}); lookup failed") from exc
        if found is None:
            raise error
        return found, True

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
        if self.before_reveal is not None and post.revealed_at is None:
            await self.before_reveal(post)  # so the wrap-up counts answers the bot missed
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
        # A reveal has no key to look up, so a send the platform may have accepted is not
        # repeated: only refusals (rate limits) are retried.
        await with_retries(
            lambda: self._platform.reply_in_thread(thread, reply),
            self._retry,
            self._sleep,
            self.metrics,
            f"revealing in {post.channel}",
            only_unsent=True,
        )
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
