"""Choosing a channel's next daily question: no repeats in a cycle, filters, topic variety."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.model import Item, Post, Schedule

WEAK_TOPIC_SHARE = 0.5
"""How often the daily pick comes from a topic the channel answered poorly (when available)."""

LOW_STOCK_DAYS = 7
"""Warn admins when fewer questions than this remain in the current cycle."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen item, the cycle it belongs to, and how many candidates remain after it."""

    item: Item
    cycle: int
    remaining: int
    new_cycle: bool

    @property
    def low_stock(self) -> bool:
        """True when admins should hear that the bank will start over soon."""
        return self.remaining < LOW_STOCK_DAYS


class NothingToAsk(LookupError):
    """No item in the bank matches the channel's filters."""


def eligible(items: Sequence[Item], schedule: Schedule) -> list[Item]:
    """Items the channel's topic/difficulty filters allow."""
    return [
        item
        for item in items
        if (not schedule.topics or item.topic in schedule.topics)
        and (not schedule.difficulty or item.difficulty.value == schedule.difficulty)
    ]


def choose(
    items: Sequence[Item],
    schedule: Schedule,
    cycle_posts: Sequence[Post],
    cycle: int,
    previous_topic: str,
    seed: str,
    weak_topics: Sequence[str] = (),
) -> Selection:
    """Pick an item not yet asked in ``cycle``; start a new cycle when the filtered bank is used up.

    Avoids the previous day's topic whenever another topic is available. ``seed`` (channel and
    date) makes the choice reproducible. ``weak_topics`` (channel memory: topics the channel
    answered poorly) are asked again sooner: half the time the pick comes from them.
    """
    pool = eligible(items, schedule)
    if not pool:
        raise NothingToAsk(
            "No question matches this channel's filters "
            f"(topics: {', '.join(schedule.topics) or 'all'}, "
            f"difficulty: {schedule.difficulty or 'any'}). Widen them with `/schedule topics=any`."
        )
    asked = {post.item_id for post in cycle_posts}
    fresh = [item for item in pool if item.id not in asked]
    new_cycle = not fresh
    if new_cycle:
        cycle, fresh = cycle + 1, list(pool)
    varied = [item for item in fresh if item.topic != previous_topic] or fresh
    rng = random.Random(seed)
    weak = [item for item in varied if item.topic in weak_topics and not item.is_prompt]
    if weak and rng.random() < WEAK_TOPIC_SHARE:
        varied = weak
    # Prefer answered items two times out of three: they can be graded; prompts spark discussion.
    answered = [item for item in varied if not item.is_prompt]
    prompts = [item for item in varied if item.is_prompt]
    group = answered if answered and (not prompts or rng.random() < 2 / 3) else prompts
    item = rng.choice(sorted(group, key=lambda i: i.id))
    return Selection(item=item, cycle=cycle, remaining=len(fresh) - 1, new_cycle=new_cycle)
