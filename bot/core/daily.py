"""The daily session: choose and post a question once per channel and local date, then reveal it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.core import replies
from bot.core.channels import Channels, ScheduleListener
from bot.core.due import EVERYWHERE, drain
from bot.core.model import ChannelRef, Item, MessageRef, Post, Reply, Schedule, Scope
from bot.core.ports import ChatPlatform, Metrics, NoMetrics, PlatformError, Store
from bot.core.retry import DEFAULT_RETRY, TRANSIENT_ERRORS, RetryPolicy, Sleep, with_retries
from bot.core.schedules import due_local_date, local_now, next_slot, reveal_time, zone
from bot.core.selection import LOW_STOCK_DAYS, NothingToAsk, Selection, choose, eligible

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

CLAIM_TIMEOUT = timedelta(minutes=5)
"""A claim without a recorded message older than this is taken over by another instance."""

CLOCK_SKEW = timedelta(minutes=2)
"""How far the clocks of instances and platform may disagree (bounds the history lookup)."""

CATCH_UP_CONCURRENCY = 16
"""How many due channels an instance posts to at once (one slow channel never holds up the
rest); the platform's pace is kept by its adapter's rate limiting."""

RETRY_FAILED_POST = timedelta(minutes=1)
"""When a channel whose post failed (and was released) is looked at again."""

RETRY_NOTHING_TO_ASK = timedelta(hours=1)
"""When a channel whose filters leave no question is looked at again."""


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
        channels: Channels | None = None,
        weak_topics: Callable[[ChannelRef], tuple[str, ...]] | None = None,
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
        self.channels = channels or Channels(store)
        self.weak_topics = weak_topics
        """Channel memory: a channel's weakly answered topics, asked sooner (None: none)."""
        self.before_reveal: Callable[[Post], Awaitable[object]] | None = None
        """Runs before a post's wrap-up is made (answer catch-up of its thread)."""
        self.visible: Callable[[Item, ChannelRef], bool] = lambda item, channel: True
        """Whether an item may be asked in a channel (live items: their workspace only)."""
        # One lock per channel: selection and claim of a channel run one at a time in this
        # process, while different channels post concurrently.
        self._locks: dict[ChannelRef, asyncio.Lock] = {}

    @property
    def on_pause(self) -> ScheduleListener | None:
        """Who hears about automatic pauses (the channels' schedule listener)."""
        return self.channels.listener

    @on_pause.setter
    def on_pause(self, listener: ScheduleListener | None) -> None:
        self.channels.listener = listener

    async def _schedule(self, channel: ChannelRef) -> Schedule:
        """The channel's schedule (read-only: never registers)."""
        found = await asyncio.to_thread(self._store.get_schedule, channel)
        return found or Schedule()

    def item(self, item_id: str) -> Item | None:
        """The bank item with this id."""
        return self._by_id.get(item_id)

    def add_items(self, items: Sequence[Item]) -> None:
        """Items that joined the running bank: the rotation may ask them from now on."""
        for item in items:
            if item.id not in self._by_id:
                self._items.append(item)
                self._by_id[item.id] = item

    def _pool(self, channel: ChannelRef) -> list[Item]:
        """The items the channel may be asked."""
        return [item for item in self._items if self.visible(item, channel)]

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
        """The scheduler's entry point: post today's question if its time has come and it wasn't.

        Only registered channels get one.
        """
        schedule = await asyncio.to_thread(self._store.get_schedule, channel)
        if schedule is None:
            return None
        day = due_local_date(schedule, self._clock())
        if day is None:
            return None
        return await self._post(channel, schedule, day.isoformat(), day)

    async def post_today(self, channel: ChannelRef) -> tuple[Post | None, bool]:
        """Today's post, posting it now if needed; the flag says whether it was just posted."""
        existing = await self.current_post(channel)
        if existing:
            return existing, False
        await self.channels.on_demand(channel)
        schedule = await self._schedule(channel)
        day = local_now(schedule, self._clock()).date()
        posted = await self._post(channel, schedule, day.isoformat(), day)
        return posted, posted is not None

    async def skip(self, channel: ChannelRef) -> Post | None:
        """Replace today's question with another one (the skipped item counts as used)."""
        current = await self.current_post(channel)
        if current is None:
            return None
        await asyncio.to_thread(self._store.mark_skipped, current.id)
        schedule = await self._schedule(channel)
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
                    await self.channels.lost(channel, exc)
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
        return replace(post, message=message)

    async def _select(self, channel: ChannelRef, schedule: Schedule, key: str) -> Selection:
        recent = [p for p in await self._recent(channel) if p.local_date != key]
        cycle = recent[0].cycle if recent else 0
        cycle_posts = await asyncio.to_thread(self._store.posts_in_cycle, channel, cycle)
        previous_topic = ""
        if recent and (prev := self.item(recent[0].item_id)):
            previous_topic = prev.topic
        pool = self._pool(channel)
        weak: tuple[str, ...] = ()
        if self.weak_topics is not None:
            weak = await asyncio.to_thread(self.weak_topics, channel)
        return choose(pool, schedule, cycle_posts, cycle, previous_topic, f"{channel}:{key}", weak)

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

    async def remaining_in_cycle(self, channel: ChannelRef) -> int:
        """How many questions the channel can still get before the bank starts over."""
        schedule = await self._schedule(channel)
        recent = await self._recent(channel)
        cycle = recent[0].cycle if recent else 0
        asked = {
            p.item_id for p in await asyncio.to_thread(self._store.posts_in_cycle, channel, cycle)
        }
        pool = self._pool(channel)
        return sum(1 for item in eligible(pool, schedule) if item.id not in asked)

    async def reveal(self, post: Post) -> bool:
        """Reveal the post's answer in its thread with a wrap-up, exactly once."""
        item = self.item(post.item_id)
        if item is None or post.message is None:
            return False
        if self.before_reveal is not None and post.revealed_at is None:
            await self.before_reveal(post)  # so the wrap-up counts answers the bot missed
        if not await asyncio.to_thread(self._store.mark_revealed, post.id, self._clock()):
            return False
        return await self._send_reveal(post, item)

    async def _send_reveal(self, post: Post, item: Item) -> bool:
        """Reply with the answer in the thread of a post already marked revealed."""
        assert post.message is not None
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
        try:
            await with_retries(
                lambda: self._platform.reply_in_thread(thread, reply),
                self._retry,
                self._sleep,
                self.metrics,
                f"revealing in {post.channel}",
                only_unsent=True,
            )
        except PlatformError as exc:
            if exc.channel_lost:
                await self.channels.lost(post.channel, exc)
            raise
        return True

    async def reveal_due(self, scope: Scope = EVERYWHERE) -> int:
        """Reveal every post whose reveal time has passed (claimed in batches, so instances
        split them); returns how many were revealed."""

        async def claim(limit: int) -> list[Post]:
            return await asyncio.to_thread(self._store.claim_reveals, scope, self._clock(), limit)

        async def one(post: Post) -> bool:
            item = self.item(post.item_id)
            try:
                if item is not None and self.before_reveal is not None and post.message:
                    await self.before_reveal(post)  # so the wrap-up counts answers missed
                return item is not None and await self._send_reveal(post, item)
            except Exception:
                self.metrics.error("reveal")
                log.exception("revealing post %s in %s failed", post.id, post.channel)
                return False

        return await drain(claim, one, concurrency=CATCH_UP_CONCURRENCY, what="reveals")

    async def catch_up(self, scope: Scope = EVERYWHERE) -> int:
        """Posts whose slot has come (missed while down too, same local day only), then
        overdue reveals; returns how many questions were posted."""
        made = await self.post_due(scope)
        await self.reveal_due(scope)
        return made

    async def post_due(self, scope: Scope = EVERYWHERE) -> int:
        """Post in every channel the database says is due, claiming them in small batches
        (instances split the work; a channel's claim lasts the claim timeout) and posting to
        several at once, each behind its own error boundary."""
        lease = self._claim_timeout

        async def claim(limit: int) -> list[tuple[ChannelRef, Schedule, datetime]]:
            now = self._clock()
            due = await asyncio.to_thread(self._store.claim_due_posts, scope, now, limit, lease)
            return [(channel, schedule, now + lease) for channel, schedule in due]

        post = self._post_claimed
        return await drain(claim, post, concurrency=CATCH_UP_CONCURRENCY, what="posts")

    async def _post_claimed(self, claimed: tuple[ChannelRef, Schedule, datetime]) -> bool:
        """Post in one claimed channel if due, then record when it next needs a look."""
        channel, schedule, until = claimed
        posted, retry = None, None
        try:
            posted = await self.post_if_due(channel)
        except NothingToAsk as exc:
            log.warning("channel %s: %s", channel, exc)
            retry = RETRY_NOTHING_TO_ASK
        except Exception:
            self.metrics.error("catch_up")
            log.exception("daily post in %s failed; retrying in a minute", channel)
            retry = RETRY_FAILED_POST
        try:
            when: datetime | None
            if retry:
                when = self._clock() + retry
            elif posted is not None:  # the slot of that day is done: the next one
                day = date.fromisoformat(posted.local_date[:10])
                when = next_slot(schedule, self._clock(), after=day)
            else:
                when = await self.next_look(channel)
            await asyncio.to_thread(self._store.set_next_post, channel, when, until)
        except Exception:
            log.exception("could not record when %s is due; its claim expires", channel)
        return posted is not None

    async def next_look(self, channel: ChannelRef) -> datetime | None:
        """When the channel next needs the poster: its next slot once today's is posted, the
        claim timeout of a claim in flight (or kept for a takeover), a minute after a post
        that failed; None when paused."""
        schedule = await asyncio.to_thread(self._store.get_schedule, channel)
        if schedule is None:
            return None
        now = self._clock()
        day = due_local_date(schedule, now)
        if day is None:
            return next_slot(schedule, now)
        existing = await asyncio.to_thread(self._store.post_for_date, channel, day.isoformat())
        if existing is None:
            return now + RETRY_FAILED_POST
        if existing.message is None:
            return max(existing.created_at + self._claim_timeout, now) + timedelta(seconds=1)
        return next_slot(schedule, now, after=day)

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
