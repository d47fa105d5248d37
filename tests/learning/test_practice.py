"""Personal practice through the console: new cards, fsrs rescheduling, due reviews, nudges."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from bot.core.model import Schedule
from bot.core.practice import rating_for
from tests.learning.conftest import CONSOLE_CHANNEL, MEMBER, Console

DAY1 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def good_answer(item_id: str) -> str:
    return f"{item_id} idea one, {item_id} idea two and {item_id} idea three."


async def test_practice_serves_a_new_card_in_a_weak_topic_and_reschedules_it(
    console: Console,
) -> None:
    with time_machine.travel(DAY1, tick=False):
        first = await console.say("/practice")
        assert "Practice: New card" in first and "Topic:" in first
        pending = console.learning.get_member("console", MEMBER.user_id)
        assert pending is not None and pending.pending_item_id
        item_id = pending.pending_item_id
        graded = await console.say(f"/practice {good_answer(item_id)}")
    assert "Score: 100/100" in graded
    assert "Next review of this card: **in 8 days" in graded  # Easy on a new card
    card = console.learning.get_card("console", MEMBER.user_id, item_id)
    assert card is not None and card.reviews == 1 and card.last_score == 100


async def test_weak_topics_come_first_for_new_cards(console: Console) -> None:
    with time_machine.travel(DAY1, tick=False):
        await console.say("/practice")
        member = console.learning.get_member("console", MEMBER.user_id)
        assert member is not None
        poor_topic = console.service.daily.item(member.pending_item_id).topic  # type: ignore[union-attr]
        await console.say("/practice I do not really know this one")
        # Another topic is untried (counted as middling); the topic just failed is weaker.
        await console.say("/practice")
    member = console.learning.get_member("console", MEMBER.user_id)
    assert member is not None
    assert console.service.daily.item(member.pending_item_id).topic == poor_topic  # type: ignore[union-attr]


async def test_a_failed_card_is_due_the_next_day_before_any_new_card(console: Console) -> None:
    with time_machine.travel(DAY1, tick=False):
        await console.say("/practice")
        member = console.learning.get_member("console", MEMBER.user_id)
        assert member is not None
        failed = member.pending_item_id
        day1 = await console.say("/practice something vague about it")
    assert "Score: 0/100" in day1 and "**tomorrow**" in day1
    with time_machine.travel(DAY1.replace(day=3), tick=False):
        day2 = await console.say("/practice")
    assert "Practice: Review (1 due)" in day2
    assert f"What is {failed.replace('-', ' ')}?" in day2


async def test_answer_without_an_open_card_says_how_to_start(console: Console) -> None:
    said = await console.say("/practice attention is all you need")
    assert "no practice question open" in said


def test_scores_map_to_fsrs_ratings() -> None:
    assert [rating_for(s).name for s in (0, 39, 40, 64, 65, 84, 85, 100)] == [
        "Again", "Again", "Hard", "Hard", "Good", "Good", "Easy", "Easy",
    ]  # fmt: skip


async def test_opted_in_member_hears_once_a_day_that_cards_are_due(console: Console) -> None:
    with time_machine.travel(DAY1, tick=False):
        assert "once a day" in await console.say("/practice nudge on")
        await console.say("/practice")
        await console.say("/practice no clue at all")
        assert await console.service.run_learning() == 0  # nothing due yet
    with time_machine.travel(DAY1.replace(day=3, hour=19), tick=False):
        start = len(console.out.getvalue())
        assert await console.service.run_learning() == 1
        assert await console.service.run_learning() == 0  # once per day
        shown = console.out.getvalue()[start:]
    assert "(only you) 🔁 1 practice card due today" in shown
    with time_machine.travel(DAY1.replace(day=4, hour=19), tick=False):
        await console.say("/practice nudge off")
        assert await console.service.run_learning() == 0


async def test_a_card_due_tomorrow_is_due_from_tomorrow_morning(console: Console) -> None:
    with time_machine.travel(DAY1, tick=False):  # Monday 18:00 UTC
        await console.say("/practice")
        day1 = await console.say("/practice something vague about it")
    assert "**tomorrow** (from 06:00 UTC)" in day1
    with time_machine.travel(DAY1.replace(day=3, hour=7), tick=False):  # Tuesday 07:00
        day2 = await console.say("/practice")
    assert "Practice: Review (1 due)" in day2


async def test_tomorrow_morning_is_the_members_local_morning(console: Console) -> None:
    console.store.set_schedule(CONSOLE_CHANNEL, Schedule(timezone="Asia/Tokyo"))
    # 23:30 on Monday in Tokyo: "tomorrow" is Tuesday in Tokyo, due from 06:00 there.
    with time_machine.travel(datetime(2026, 3, 2, 14, 30, tzinfo=UTC), tick=False):
        await console.say("/practice")
        day1 = await console.say("/practice something vague about it")
    assert "**tomorrow** (from 06:00 Asia/Tokyo)" in day1
    with time_machine.travel(datetime(2026, 3, 2, 20, 30, tzinfo=UTC), tick=False):  # 05:30
        assert "Practice: New card" in await console.say("/practice")
    with time_machine.travel(datetime(2026, 3, 2, 21, 30, tzinfo=UTC), tick=False):  # 06:30
        assert "Practice: Review (1 due)" in await console.say("/practice")
