"""Personal practice: spaced repetition (fsrs) of bank items, graded by key-point coverage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import fsrs

from bot.core import replies
from bot.core.model import (
    ChannelRef,
    Field,
    Item,
    PracticeCard,
    PracticeMember,
    Reply,
    UserRef,
)
from bot.core.ports import ChatPlatform, Grader, LearningStore
from bot.core.progress import topic_strengths

Clock = Callable[[], datetime]
ZoneOf = Callable[[ChannelRef], str]
"""The IANA timezone of the channel a member practises in."""

MORNING = time(6, 0)
"""A card due on a day is due from this local time: "tomorrow" means tomorrow morning."""

SCHEDULER = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
"""Reviews counted in days (no minute-long learning steps: practice happens once a day)."""

UNKNOWN_STRENGTH = 50.0
"""How strong a member is taken to be in a topic they have no scores in yet."""


def rating_for(score: int) -> fsrs.Rating:
    """The fsrs rating of a key-point coverage score (0-100)."""
    if score < 40:
        return fsrs.Rating.Again
    if score < 65:
        return fsrs.Rating.Hard
    if score < 85:
        return fsrs.Rating.Good
    return fsrs.Rating.Easy


def due_morning(due: datetime, timezone: str) -> datetime:
    """The local morning (``MORNING``) of the day ``due`` falls on in ``timezone``."""
    zone = ZoneInfo(timezone)
    return datetime.combine(due.astimezone(zone).date(), MORNING, tzinfo=zone)


def when(due: datetime, now: datetime) -> str:
    """A due date as people say it (both in the member's timezone): today, tomorrow, in N days."""
    days = (due.date() - now.date()).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days ({due:%a %d %b})"


class Practice:
    """Serves a member their due cards, then new items in their weakest topics, and grades them."""

    def __init__(
        self,
        items: Sequence[Item],
        store: LearningStore,
        grader: Grader,
        clock: Clock,
        zone_of: ZoneOf | None = None,
    ) -> None:
        self._items = [item for item in items if not item.is_prompt]
        self._by_id = {item.id: item for item in self._items}
        self._store = store
        self._grader = grader
        self._clock = clock
        self._zone_of = zone_of or (lambda channel: "UTC")

    async def due(self, user: UserRef) -> list[PracticeCard]:
        """The member's cards due now, most overdue first."""
        now = self._clock()
        cards = await asyncio.to_thread(self._store.cards, user.platform, user.user_id)
        return [c for c in cards if c.due <= now and c.item_id in self._by_id]

    async def serve(self, channel: ChannelRef, user: UserRef) -> Reply:
        """The next practice question: a due card first, else a new item in a weak topic."""
        due = await self.due(user)
        if due:
            item, label = self._by_id[due[0].item_id], f"Review ({len(due)} due)"
        else:
            fresh = await self._new_item(channel, user)
            if fresh is None:
                return await self._nothing_due(user)
            item, label = fresh, "New card"
        member = await self._member(channel, user)
        await asyncio.to_thread(
            self._store.save_member, replace(member, pending_item_id=item.id, channel=channel)
        )
        return Reply(
            title=f"Practice: {label}",
            text=item.question,
            fields=(Field("Topic", item.topic), Field("Difficulty", item.difficulty.value)),
            context="Answer with `/practice <your answer>`; only you see this.",
            private=True,
        )

    async def answer(self, channel: ChannelRef, user: UserRef, text: str) -> Reply:
        """Grade the answer to the member's pending card and reschedule it."""
        member = await self._member(channel, user)
        # The open card is answered where it was served: another server's state stays there.
        here = member.channel.same_workspace(channel)
        item = self._by_id.get(member.pending_item_id) if here else None
        if item is None:
            return Reply(
                private=True,
                text="You have no practice question open here. Start with `/practice`.",
            )
        grade = await asyncio.to_thread(self._grader.grade, item, text[: replies.MAX_GRADED_CHARS])
        if not grade.attempt:
            return Reply(
                private=True,
                text="That doesn't look like an answer yet. Try a sentence or two, "
                "in your own words: `/practice <your answer>`.",
            )
        now = self._clock()
        old = await asyncio.to_thread(self._store.get_card, user.platform, user.user_id, item.id)
        card = fsrs.Card.from_json(old.state) if old else fsrs.Card()
        card, _ = SCHEDULER.review_card(card, rating_for(grade.score), now)
        timezone = await asyncio.to_thread(self._zone_of, channel)
        due = due_morning(card.due, timezone)
        saved = PracticeCard(
            platform=user.platform,
            user_id=user.user_id,
            item_id=item.id,
            topic=item.topic,
            state=card.to_json(),
            due=due,
            reviews=(old.reviews if old else 0) + 1,
            last_score=grade.score,
            reviewed_at=now,
        )
        await asyncio.to_thread(self._store.save_card, saved)
        await asyncio.to_thread(self._store.save_member, replace(member, pending_item_id=""))
        feedback = replies.feedback(item, grade)
        left = len(await self.due(user))
        local = ZoneInfo(timezone)
        next_review = when(due.astimezone(local), now.astimezone(local))
        after = (
            f"\n\nNext review of this card: **{next_review}** (from {MORNING:%H:%M} {timezone}). "
        ) + (
            f"{left} more card(s) due: `/practice`."
            if left
            else "Nothing else is due; `/practice` gives you a new card."
        )
        return replace(feedback, text=feedback.text + after)

    async def set_nudge(self, channel: ChannelRef, user: UserRef, on: bool) -> Reply:
        """Opt in to (or out of) the daily "N cards due" message."""
        member = await self._member(channel, user)
        await asyncio.to_thread(
            self._store.save_member, replace(member, nudge=on, channel=channel, user=user)
        )
        if on:
            return Reply(
                private=True,
                text="I'll tell you once a day when practice cards are due. "
                "Stop with `/practice nudge off`.",
            )
        return Reply(
            private=True, text="No more practice reminders. `/practice nudge on` to resume."
        )

    async def send_nudge(self, platform: ChatPlatform, member: PracticeMember, today: str) -> bool:
        """One "N cards due" message per local day to an opted-in member with due cards."""
        if not member.nudge or member.nudged_on == today:
            return False
        count = len(await self.due(member.user))
        if not count:
            return False
        reply = Reply(
            private=True,
            text=f"🔁 {count} practice card{'s' if count != 1 else ''} due today. "
            "Start with `/practice`; `/practice nudge off` stops these reminders.",
        )
        await platform.reply_privately(member.channel, member.user, reply)
        await asyncio.to_thread(self._store.save_member, replace(member, nudged_on=today))
        return True

    async def _member(self, channel: ChannelRef, user: UserRef) -> PracticeMember:
        found = await asyncio.to_thread(self._store.get_member, user.platform, user.user_id)
        return found or PracticeMember(user=user, channel=channel)

    async def _new_item(self, channel: ChannelRef, user: UserRef) -> Item | None:
        cards = await asyncio.to_thread(self._store.cards, user.platform, user.user_id)
        seen = {c.item_id for c in cards}
        scores = await asyncio.to_thread(self._store.scored_answers, channel)
        strengths = topic_strengths(
            [(c.topic, c.last_score) for c in cards]
            + [
                (self._by_id[s.item_id].topic, s.score)
                for s in scores
                if s.user_id == user.user_id and s.item_id in self._by_id
            ]
        )
        fresh = sorted((i for i in self._items if i.id not in seen), key=lambda i: i.id)
        if not fresh:
            return None
        weakest = min(fresh, key=lambda i: (strengths.get(i.topic, UNKNOWN_STRENGTH), i.topic))
        return weakest

    async def _nothing_due(self, user: UserRef) -> Reply:
        cards = await asyncio.to_thread(self._store.cards, user.platform, user.user_id)
        upcoming = min((c.due for c in cards), default=None)
        nxt = f" Your next card is due {when(upcoming, self._clock())}." if upcoming else ""
        return Reply(private=True, text="You've practised every question in the bank! 🎉" + nxt)
