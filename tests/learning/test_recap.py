"""Pictures: the Monday recap with its PNG chart, and `/stats chart`, seen from the console."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from bot.core.model import Schedule
from tests.learning.conftest import CONSOLE_CHANNEL, Console
from tests.learning.test_progress import answer_today

UTC_DAILY = Schedule(hour=9, timezone="UTC", weekdays=tuple(range(7)))
PNG = b"\x89PNG\r\n\x1a\n"


def chart_paths(text: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"📊 Chart saved: (\S+\.png)", text)]


async def test_monday_recap_posts_last_weeks_chart_once(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, UTC_DAILY)
    for day, points in ((3, 3), (4, 1), (6, 2)):  # Tue, Wed, Fri
        with time_machine.travel(datetime(2026, 3, day, 12, 0, tzinfo=UTC), tick=False):
            await answer_today(console, points=points)
    with time_machine.travel(datetime(2026, 3, 9, 8, 0, tzinfo=UTC), tick=False):
        assert await console.service.learning.post_recaps() == 0  # type: ignore[union-attr]
    with time_machine.travel(datetime(2026, 3, 9, 9, 5, tzinfo=UTC), tick=False):
        before = len(console.out.getvalue())
        await console.service.run_learning()
        assert await console.service.learning.post_recaps() == 0  # type: ignore[union-attr]
    recap = console.out.getvalue()[before:]
    assert "== Weekly recap (Mon 02 Mar to Sun 08 Mar) ==" in recap
    assert "3 answer(s) from 1 member(s)" in recap and "Most points: you (200)" in recap
    [png] = chart_paths(recap)
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 5_000
    with time_machine.travel(datetime(2026, 3, 9, 9, 10, tzinfo=UTC), tick=False):
        admin = await console.say("/topics")
    assert "**Notice:** Topics running thin (questions in the bank): architecture (0)" in admin


async def test_stats_chart_attaches_the_members_own_png(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, replace(UTC_DAILY, hour=0))
    with time_machine.travel(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), tick=False):
        await answer_today(console)
        shown = await console.say("/stats chart")
    assert "**you**: 1 answered, 100 points" in shown
    [png] = chart_paths(shown)
    assert png.read_bytes().startswith(PNG)
