"""Question selection: no repeats within a cycle, filters, topic variety, new cycles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.model import ChannelRef, Post, Schedule
from bot.core.selection import NothingToAsk, choose
from tests.core.items import make_item, small_bank

CHANNEL = ChannelRef("test", "w", "c")


def _post(item_id: str, cycle: int) -> Post:
    return Post(1, CHANNEL, "2026-01-01", item_id, cycle, datetime(2026, 1, 1, tzinfo=UTC))


def test_every_item_is_asked_once_before_any_repeats() -> None:
    items = small_bank(12)
    posts: list[Post] = []
    previous = ""
    for day in range(12):
        pick = choose(items, Schedule(), posts, 0, previous, f"seed-{day}")
        assert pick.cycle == 0
        posts.append(_post(pick.item.id, 0))
        previous = pick.item.topic
    assert sorted(p.item_id for p in posts) == sorted(i.id for i in items)
    after = choose(items, Schedule(), posts, 0, previous, "seed-12")
    assert after.new_cycle and after.cycle == 1


def test_no_two_consecutive_days_on_the_same_topic() -> None:
    items = small_bank(30)
    posts: list[Post] = []
    previous = ""
    for day in range(30):
        pick = choose(items, Schedule(), posts, 0, previous, f"d{day}")
        if len({i.topic for i in items if i.id not in {p.item_id for p in posts}}) > 1:
            assert pick.item.topic != previous
        posts.append(_post(pick.item.id, 0))
        previous = pick.item.topic


def test_low_stock_is_reported_when_under_a_week_remains() -> None:
    items = small_bank(8)
    pick = choose(items, Schedule(), [_post("item-00", 0)], 0, "", "s")
    assert pick.remaining == 6 and pick.low_stock


def test_topic_and_difficulty_filters() -> None:
    items = [*small_bank(9), make_item("hard-one", "decoding", difficulty="hard")]
    schedule = Schedule(topics=("decoding",), difficulty="hard")
    assert choose(items, schedule, [], 0, "", "s").item.id == "hard-one"
    with pytest.raises(NothingToAsk, match="topics=any"):
        choose(items, Schedule(topics=("math",)), [], 0, "", "s")


def test_choice_is_reproducible_for_the_same_channel_and_day() -> None:
    items = small_bank(12)
    first = choose(items, Schedule(), [], 0, "", "chan:2026-01-02").item
    assert choose(items, Schedule(), [], 0, "", "chan:2026-01-02").item == first
