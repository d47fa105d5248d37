"""Progress through the console: streaks in the channel's timezone, topic strengths, channel
stats, leaderboards that reset, the thread facilitator and channel memory."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from bot.core.model import Schedule
from bot.core.selection import choose
from tests.core.items import small_bank
from tests.learning.conftest import CONSOLE_CHANNEL, Console, make_console

LA = Schedule(hour=0, timezone="America/Los_Angeles", weekdays=tuple(range(7)))


async def answer_today(console: Console, *, points: int = 3) -> str:
    """Post today's question (if needed) and answer it covering ``points`` key points."""
    post, _ = await console.service.daily.post_today(CONSOLE_CHANNEL)
    assert post is not None and post.message is not None
    console.platform.current_thread = post.message
    item = console.service.daily.item(post.item_id)
    assert item is not None
    covered = ", ".join(item.key_points[:points]) or "nothing I can name"
    return await console.say(f"My answer mentions {covered}.")


async def test_streak_counts_local_days_across_midnight_utc(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, LA)
    # 18:00 and next morning 08:00 in Los Angeles: one UTC day, two local days.
    with time_machine.travel(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), tick=False):
        await answer_today(console)
    with time_machine.travel(datetime(2026, 3, 3, 16, 0, tzinfo=UTC), tick=False):
        await answer_today(console)
        stats = await console.say("/stats")
    assert "Streak: 2 day(s) (best 2)" in stats


async def test_stats_name_strongest_and_weakest_topics(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, timezone="UTC"))
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False):
        await answer_today(console, points=3)
    with time_machine.travel(datetime(2026, 3, 3, 12, 0, tzinfo=UTC), tick=False):
        await answer_today(console, points=1)
        mine = await console.say("/stats")
        channel = await console.say("/stats channel")
    assert "2 answered" in mine
    assert "Strongest topic:" in mine and "(100)" in mine
    assert "Weakest topic:" in mine and "(33)" in mine
    assert "== Channel stats ==" in channel and "1 member(s), 2 answer(s)" in channel
    assert "Coming back sooner:" in channel


async def test_weekly_leaderboard_resets_on_monday_but_all_time_keeps_points(
    console: Console,
) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, timezone="UTC"))
    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC), tick=False):  # Friday
        await answer_today(console)
        friday = await console.say("/leaderboard week")
    with time_machine.travel(datetime(2026, 3, 9, 0, 1, tzinfo=UTC), tick=False):  # Monday
        monday = await console.say("/leaderboard week", "/leaderboard all")
    assert "you: 100 pts" in friday
    assert "No answers yet (this week)" in monday
    assert "Leaderboard (all time)" in monday and "you: 100 pts" in monday


async def test_monthly_leaderboard_resets_on_the_first_in_local_time(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, hour=0))
    with time_machine.travel(datetime(2026, 3, 31, 12, 0, tzinfo=UTC), tick=False):
        await answer_today(console)
    # 1 April 03:00 UTC is still 31 March in Los Angeles: the month has not turned there.
    with time_machine.travel(datetime(2026, 4, 1, 3, 0, tzinfo=UTC), tick=False):
        still = await console.say("/leaderboard month")
    with time_machine.travel(datetime(2026, 4, 1, 8, 0, tzinfo=UTC), tick=False):
        turned = await console.say("/leaderboard monthly")
    assert "you: 100 pts" in still
    assert "No answers yet (this month)" in turned


async def test_quiet_thread_gets_one_gentle_hint_after_a_few_hours(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, timezone="UTC"))
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        post, _ = await console.service.daily.post_today(CONSOLE_CHANNEL)
    assert post is not None
    item = console.service.daily.item(post.item_id)
    assert item is not None
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert await console.service.run_learning() == 0
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        before = len(console.out.getvalue())
        assert await console.service.run_learning() == 1
        assert await console.service.run_learning() == 0
    hint = console.out.getvalue()[before:]
    assert "│ 👋 No answers yet" in hint and f"about **{item.topic}**" in hint
    assert all(point not in hint for point in item.key_points)


async def test_answered_thread_gets_no_hint(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, timezone="UTC"))
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        await answer_today(console)
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        assert await console.service.run_learning() == 0


def test_topics_the_channel_answered_poorly_come_back_sooner() -> None:
    bank = small_bank(30)
    schedule = Schedule()
    plain = weak = 0
    for day in range(200):
        seed = f"channel:2026-{day}"
        plain += choose(bank, schedule, [], 0, "", seed).item.topic == "decoding"
        weak += choose(bank, schedule, [], 0, "", seed, ("decoding",)).item.topic == "decoding"
    assert plain < 90 and weak > plain + 50


async def test_daily_rotation_brings_a_poorly_answered_topic_back_sooner(tmp_path: Path) -> None:
    async def decoding_days(learning: bool) -> tuple[int, tuple[str, ...]]:
        console = make_console(tmp_path / f"memory-{learning}.db", small_bank(60))
        if not learning:
            console.service.daily.weak_topics = None  # the same service, without memory
        console.store.set_schedule(CONSOLE_CHANNEL, replace(LA, timezone="UTC"))
        picked = []
        for day in range(40):
            at = datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day)
            with time_machine.travel(at, tick=False):
                post, _ = await console.service.daily.post_today(CONSOLE_CHANNEL)
                assert post is not None
                topic = console.service.daily.item(post.item_id).topic  # type: ignore[union-attr]
                picked.append(topic)
                await answer_today(console, points=0 if topic == "decoding" else 3)
                memory = console.service.memory
                assert memory is not None
                seen = await asyncio.to_thread(memory.weak_topics, CONSOLE_CHANNEL)
        console.store.close()
        console.learning.close()
        return picked[3:].count("decoding"), seen

    (remembered, weak), (forgotten, _) = await decoding_days(True), await decoding_days(False)
    assert weak == ("decoding",)
    assert remembered > forgotten, (remembered, forgotten)
