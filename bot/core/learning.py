"""The learning loop as the service sees it: /practice, richer /stats, and periodic nudges."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.core import pictures, progress
from bot.core.due import EVERYWHERE, drain
from bot.core.model import (
    ChannelRef,
    CommandInvocation,
    Item,
    Post,
    Reply,
    Schedule,
    Scope,
    ScoredAnswer,
    UserRef,
    UserStats,
)
from bot.core.ports import ChartDrawer, ChatPlatform, Grader, LearningStore, Store
from bot.core.practice import Practice
from bot.core.schedules import local_now, next_monday_slot
from bot.core.suggestions import thin_topics

log = logging.getLogger(__name__)

FACILITATE_AFTER = timedelta(hours=3)
"""A question thread with no answer for this long gets one gentle nudge with a hint."""

RECAP_LEASE = timedelta(minutes=10)
"""How long an instance holds a channel's recap while it writes it."""

CONCURRENCY = 4
"""Hints and recaps sent at once by one instance."""


def thread_hint(item: Item) -> Reply:
    """The facilitator's nudge: how many key points and what area they are in, not what they say."""
    n = len(item.key_points)
    return Reply(
        text=f"👋 No answers yet: a rough answer is welcome, you'll get private feedback. "
        f"Hint: the reference answer has {n} key point{'s' if n != 1 else ''}, and one of "
        f"them is about **{item.topic}**.",
    )


class Learning:
    """Practice, progress and facilitation on top of the daily questions."""

    def __init__(
        self,
        items: Sequence[Item],
        learning: LearningStore,
        store: Store,
        platform: ChatPlatform,
        grader: Grader,
        clock: Callable[[], datetime],
        charts: ChartDrawer | None = None,
        charts_dir: Path | None = None,
    ) -> None:
        self.items = {item.id: item for item in items}
        self.store = learning
        self._core = store
        self._platform = platform
        self._clock = clock
        self.practice = Practice(items, learning, grader, clock, self._timezone)
        self._charts = charts
        self._charts_dir = charts_dir or Path(tempfile.gettempdir()) / "qotd-charts"
        self._topics = {item.id: item.topic for item in items}
        # Weeks this process already recapped (or found empty): the tick runs every minute.
        self._recapped: set[tuple[ChannelRef, date]] = set()

    def _timezone(self, channel: ChannelRef) -> str:
        """The channel's timezone, without registering an unknown channel."""
        return (self._core.get_schedule(channel) or Schedule()).timezone

    async def on_practice(self, command: CommandInvocation) -> Reply:
        """``/practice`` serves a card; ``/practice <answer>`` grades it; ``nudge on|off``."""
        args = command.args.strip()
        words = args.lower().split()
        if words[:1] == ["nudge"] and words[1:] in (["on"], ["off"]):
            return await self.practice.set_nudge(command.channel, command.user, words[1] == "on")
        if not args:
            return await self.practice.serve(command.channel, command.user)
        return await self.practice.answer(command.channel, command.user, args)

    async def with_topics(self, channel: ChannelRef, stats: UserStats | None) -> UserStats | None:
        """A member's stats with strongest and weakest topics."""
        answers = await asyncio.to_thread(self.store.scored_answers, channel)
        return progress.with_topics(stats, answers, self.items)

    async def channel_stats(self, channel: ChannelRef) -> Reply:
        """``/stats channel``."""
        answers = await asyncio.to_thread(self.store.scored_answers, channel)
        return progress.channel_stats(answers, self.items)

    async def tick(self, scope: Scope = EVERYWHERE) -> int:
        """Periodic work: practice nudges, thread facilitation and weekly recaps of the
        channels in ``scope``; returns messages sent."""
        sent = 0
        for work in (self.send_nudges, self.facilitate, self.post_recaps):
            try:
                sent += await work(scope)
            except Exception:
                log.exception("learning tick: %s failed", work.__name__)
        return sent

    async def send_nudges(self, scope: Scope = EVERYWHERE) -> int:
        """Each opted-in member with due cards hears about them once per local day."""
        sent = 0
        for member in await asyncio.to_thread(self.store.nudge_members):
            if not scope.serves(member.channel):
                continue
            # Read only: opting in to nudges never makes a channel a daily-question one.
            schedule = await asyncio.to_thread(self._core.get_schedule, member.channel)
            today = local_now(schedule or Schedule(), self._clock()).date().isoformat()
            sent += await self.practice.send_nudge(self._platform, member, today)
        return sent

    async def facilitate(self, scope: Scope = EVERYWHERE) -> int:
        """Nudge, once, each open question thread that has had no answer for a few hours
        (the database hands out the posts whose time has come)."""
        before = self._clock() - FACILITATE_AFTER

        async def claim(limit: int) -> list[Post]:
            return await asyncio.to_thread(self._core.claim_hints, scope, before, limit)

        return await drain(claim, self._hint, concurrency=CONCURRENCY, what="thread hints")

    async def _hint(self, post: Post) -> bool:
        """The hint in one quiet thread, if it is still the channel's open, unanswered post."""
        item = self.items.get(post.item_id)
        if item is None or item.is_prompt or not self._quiet(post, self._clock()):
            return False
        assert post.message is not None
        schedule = await asyncio.to_thread(self._core.get_schedule, post.channel)
        if schedule is None or schedule.paused:
            return False
        latest = await asyncio.to_thread(self._core.latest_post, post.channel)
        if latest is None or latest.id != post.id:
            return False
        if await asyncio.to_thread(self._core.attempts_for_post, post.id):
            return False
        if not await asyncio.to_thread(self.store.mark_thread_nudged, post.id, self._clock()):
            return False
        await self._platform.reply_in_thread(post.message, thread_hint(item))
        return True

    async def member_chart(self, channel: ChannelRef, user: UserRef, reply: Reply) -> Reply:
        """``/stats chart``: the member's scores on the channel's scheduled days of the last
        week, each with its question, and their coverage by topic."""
        if self._charts is None:
            return reply
        schedule = await asyncio.to_thread(self._core.get_schedule, channel) or Schedule()
        answers = [
            a
            for a in await asyncio.to_thread(self.store.scored_answers, channel)
            if a.user_id == user.user_id
        ]
        if not answers:
            return reply
        today = local_now(schedule, self._clock()).date()
        days = pictures.scheduled_days(today - timedelta(days=6), 7, schedule.weekdays)
        name = user.display_name or answers[-1].display_name or user.user_id
        picture = pictures.member_picture(
            f"{name}: the last 7 days", answers, self.items, days, schedule.timezone
        )
        path = self._chart_path(channel, f"{user.user_id}-{today}")
        chart = await asyncio.to_thread(self._charts, path, picture)
        return replace(reply, attachments=(*reply.attachments, str(chart)))

    async def post_recaps(self, scope: Scope = EVERYWHERE) -> int:
        """On Monday after the daily slot, each active channel gets last week's recap (once);
        the database says which channels' Monday slot has come."""

        async def claim(limit: int) -> list[tuple[ChannelRef, Schedule, datetime]]:
            now = self._clock()
            due = await asyncio.to_thread(
                self._core.claim_due_recaps, scope, now, limit, RECAP_LEASE
            )
            return [(channel, schedule, now + RECAP_LEASE) for channel, schedule in due]

        return await drain(claim, self._recap_claimed, concurrency=CONCURRENCY, what="recaps")

    async def _recap_claimed(self, claimed: tuple[ChannelRef, Schedule, datetime]) -> bool:
        """The recap of one claimed channel if its Monday slot has come, then its next one."""
        channel, schedule, until = claimed
        now = self._clock()
        local = local_now(schedule, now)
        monday = local.weekday() == 0 and (local.hour, local.minute) >= (
            schedule.hour,
            schedule.minute,
        )
        try:
            return monday and await self._recap(channel, schedule, local) > 0
        finally:
            after = local.date() if monday else None
            await asyncio.to_thread(
                self._core.set_next_recap, channel, next_monday_slot(schedule, now, after), until
            )

    async def _recap(self, channel: ChannelRef, schedule: Schedule, local: datetime) -> int:
        first = local.date() - timedelta(days=7)
        answers = [
            a
            for a in await asyncio.to_thread(self.store.scored_answers, channel)
            if first <= local_now(schedule, a.answered_at).date() < local.date()
        ]
        if not answers:
            return 0
        if not await asyncio.to_thread(self.store.mark_recap, channel, str(first), self._clock()):
            return 0
        sent = await self._post_recap(channel, schedule, first, answers)
        await self._warn_thin(channel, schedule)
        return sent

    async def _warn_thin(self, channel: ChannelRef, schedule: Schedule) -> None:
        """Once a week, tell the channel's admins which of its topics are running thin."""
        thin = [
            (t, n)
            for t, n in thin_topics(list(self.items.values()))
            if not schedule.topics or t in schedule.topics
        ]
        if thin:
            listed = ", ".join(f"{t} ({n})" for t, n in thin)
            await asyncio.to_thread(
                self._core.add_notice,
                channel,
                f"Topics running thin (questions in the bank): {listed}. "
                "Members can `/suggest` questions; "
                "review them with `/suggestions`.",
            )

    async def _post_recap(
        self, channel: ChannelRef, schedule: Schedule, first: date, answers: list[ScoredAnswer]
    ) -> int:
        reply = progress.recap(answers, self.items, first)
        if self._charts is not None:
            picture = await self.week_picture(channel, schedule, first, answers)
            path = self._chart_path(channel, f"recap-{first}")
            chart = await asyncio.to_thread(self._charts, path, picture)
            reply = replace(reply, attachments=(str(chart),))
        await self._platform.post_message(channel, reply)
        return 1

    async def week_picture(
        self, channel: ChannelRef, schedule: Schedule, first: date, answers: list[ScoredAnswer]
    ) -> pictures.Picture:
        """The recap's picture: the week's questions with their coverage, top members, the
        group's misconceptions and streaks."""
        last = first + timedelta(days=6)
        recent = await asyncio.to_thread(self._core.recent_posts, channel, 31)
        week = [p for p in recent if first <= date.fromisoformat(p.local_date) <= last]
        attempts = {p.id: await asyncio.to_thread(self._core.attempts_for_post, p.id) for p in week}
        leaders = await asyncio.to_thread(
            self._core.leaderboard, channel, None, 20, schedule.timezone
        )
        title = f"Week of {first:%d %b %Y}"
        return pictures.week_picture(title, week, attempts, self.items, leaders, answers)

    def _chart_path(self, channel: ChannelRef, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{channel.channel}-{name}")
        return self._charts_dir / f"{safe}.png"

    @staticmethod
    def _quiet(post: Post, now: datetime) -> bool:
        """Posted, still open, and old enough to deserve a nudge."""
        open_ = post.message is not None and post.revealed_at is None and not post.skipped
        return open_ and now - post.created_at >= FACILITATE_AFTER
