"""A member's home: streak, points, weakest topics, due practice and their channels' schedules.

Built here, the same on every platform; Slack shows it as the App Home tab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core import progress
from bot.core.model import Button, ChannelRef, Link, PracticeCard, Reply, UserRef
from bot.core.ports import LearningStore, Store
from bot.core.schedules import describe

START_PRACTICE = "start_practice"
"""The action of the home's practice button (the core runs ``/practice`` for it)."""

WEAKEST_SHOWN = 3


@dataclass(frozen=True, slots=True)
class ChannelDay:
    """One channel the member takes part in: its schedule and the member's standing there
    (``answered`` 0: they practised there but have not answered a daily question yet)."""

    channel: ChannelRef
    schedule: str
    points: int
    streak: int
    answered: int = 1


@dataclass(frozen=True, slots=True)
class Home:
    """What a member sees on their home."""

    user: UserRef
    answered: int
    points: int
    streak: int
    best_streak: int
    weakest: tuple[tuple[str, float], ...]
    due: tuple[PracticeCard, ...]
    channels: tuple[ChannelDay, ...]


async def member_home(
    user: UserRef,
    workspace: str,
    store: Store,
    learning: LearningStore | None,
    topics: Mapping[str, str],
    clock: Callable[[], datetime],
    member_of: Collection[str] = (),
) -> Home:
    """The member's home across the channels of ``workspace`` they take part in: where they
    answered a daily question, where they practise, and the channels ``member_of`` (ids the
    platform says they are in) that get daily questions, answered or not (paused ones, such
    as a DM, are left out)."""
    days: list[ChannelDay] = []
    answered = points = streak = best = 0
    by_topic: dict[str, list[int]] = {}
    member = (
        await asyncio.to_thread(learning.get_member, user.platform, user.user_id)
        if learning is not None
        else None
    )
    practised = member.channel if member is not None else None
    for channel, schedule in await asyncio.to_thread(store.list_channels):
        if (channel.platform, channel.workspace) != (user.platform, workspace):
            continue
        stats = await asyncio.to_thread(store.user_stats, channel, user.user_id, schedule.timezone)
        if stats is None:
            joined = channel == practised or channel.channel in member_of
            if joined and not schedule.paused:
                days.append(ChannelDay(channel, describe(schedule), 0, 0, answered=0))
            continue
        answered, points = answered + stats.answered, points + stats.points
        streak, best = max(streak, stats.streak), max(best, stats.best_streak)
        days.append(ChannelDay(channel, describe(schedule), stats.points, stats.streak))
        if learning is not None:
            for a in await asyncio.to_thread(learning.scored_answers, channel):
                if a.user_id == user.user_id and a.item_id in topics:
                    by_topic.setdefault(topics[a.item_id], []).append(a.score)
    due: tuple[PracticeCard, ...] = ()
    if learning is not None:
        now = clock()
        cards = await asyncio.to_thread(learning.cards, user.platform, user.user_id)
        due = tuple(sorted((c for c in cards if c.due <= now), key=lambda c: c.due))
    strengths = progress.topic_strengths((t, s) for t, scores in by_topic.items() for s in scores)
    weakest = tuple(sorted(strengths.items(), key=lambda kv: (kv[1], kv[0]))[:WEAKEST_SHOWN])
    return Home(user, answered, points, streak, best, weakest, due, tuple(days))


def home_reply(home: Home, links: Mapping[ChannelRef, Link] | None = None) -> Reply:
    """The home as a Reply; ``links`` (from the platform) name the channels."""
    links = links or {}
    if home.answered:
        lines = [
            f"🔥 **Streak**: {home.streak} day(s) (best {home.best_streak})",
            f"⭐ **Points**: {home.points} from {home.answered} answered question(s)",
        ]
    else:
        lines = ["You haven't answered a daily question yet: answer in the question's thread."]
    if home.weakest:
        weak = ", ".join(f"{topic} ({score:.0f})" for topic, score in home.weakest)
        lines.append(f"📉 **Weakest topics**: {weak}")
    if home.due:
        topics = ", ".join(dict.fromkeys(c.topic for c in home.due))
        lines.append(f"🔁 **Practice**: {len(home.due)} card(s) due ({topics})")
    else:
        lines.append("🔁 **Practice**: nothing due; start a new card in your weakest topic.")
    if home.channels:
        lines.append("\n**Your channels**")
        for day in home.channels:
            link = links.get(day.channel)
            name = link.markdown if link else f"`{day.channel.channel}`"
            you = (
                f"You: {day.points} points, streak {day.streak}."
                if day.answered
                else "You practise here; answer its question of the day to score."
            )
            lines.append(f"- {name}: {day.schedule}. {you}")
        lines.append(
            "_Listed: the channels where you answered or practised; others you're in show up "
            "once you answer there._"
        )
    label = "Start practice" + (f" ({len(home.due)} due)" if home.due else "")
    return Reply(
        title="Your day with qotd",
        text="\n".join(lines),
        buttons=(Button(START_PRACTICE, label),),
        links=tuple(links[d.channel] for d in home.channels if d.channel in links),
    )
