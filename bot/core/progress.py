"""Progress beyond points and streaks: strengths per topic, channel stats, weak topics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.core.model import Item, Reply, ScoredAnswer, UserStats

WEAK_BELOW = 60.0
"""A topic the channel averages under this score is asked again sooner."""


def topic_strengths(scores: Iterable[tuple[str, int]]) -> dict[str, float]:
    """Average score per topic from (topic, score) pairs."""
    totals: dict[str, list[int]] = defaultdict(list)
    for topic, score in scores:
        totals[topic].append(score)
    return {topic: sum(values) / len(values) for topic, values in totals.items()}


def by_topic(
    answers: Sequence[ScoredAnswer], items: Mapping[str, Item], user_id: str | None = None
) -> dict[str, float]:
    """Average best score per topic of one member (or of everyone when ``user_id`` is None)."""
    return topic_strengths(
        (items[a.item_id].topic, a.score)
        for a in answers
        if a.item_id in items and (user_id is None or a.user_id == user_id)
    )


def with_topics(
    stats: UserStats | None, answers: Sequence[ScoredAnswer], items: Mapping[str, Item]
) -> UserStats | None:
    """The member's stats with their strengths per topic filled in."""
    if stats is None:
        return None
    return replace(stats, by_topic=by_topic(answers, items, stats.user_id))


def weak_topics(answers: Sequence[ScoredAnswer], items: Mapping[str, Item]) -> tuple[str, ...]:
    """Topics the channel answered poorly, weakest first (channel memory for daily selection)."""
    averages = by_topic(answers, items)
    weak = [t for t, avg in averages.items() if avg < WEAK_BELOW]
    return tuple(sorted(weak, key=lambda t: (averages[t], t)))


def channel_stats(answers: Sequence[ScoredAnswer], items: Mapping[str, Item]) -> Reply:
    """The channel's progress: members, answers, coverage, strongest and weakest topics."""
    if not answers:
        return Reply(private=True, text="Nobody has answered here yet. Be the first: `/today`.")
    members = {a.user_id for a in answers}
    posts = len(answers)
    average = sum(a.score for a in answers) / posts
    lines = [
        f"**This channel**: {len(members)} member(s), {posts} answer(s), "
        f"average coverage {average:.0f}/100"
    ]
    topics = sorted(by_topic(answers, items).items(), key=lambda kv: (-kv[1], kv[0]))
    if topics:
        lines.append(f"Strongest topic: {topics[0][0]} ({topics[0][1]:.0f})")
    if len(topics) > 1:
        lines.append(f"Weakest topic: {topics[-1][0]} ({topics[-1][1]:.0f})")
    weak = weak_topics(answers, items)
    if weak:
        lines.append("Coming back sooner: " + ", ".join(weak))
    return Reply(title="Channel stats", text="\n".join(lines), private=True)


def recap(answers: Sequence[ScoredAnswer], items: Mapping[str, Item], first: date) -> Reply:
    """The weekly recap's text: participation, coverage, the top members and topics to revisit."""
    last = first + timedelta(days=6)
    members: dict[str, tuple[str, int]] = {}
    for a in answers:
        name, points = members.get(a.user_id, (a.display_name or a.user_id, 0))
        members[a.user_id] = (name, points + a.score)
    average = sum(a.score for a in answers) / len(answers)
    lines = [
        f"{len(answers)} answer(s) from {len(members)} member(s), "
        f"average key-point coverage {average:.0f}/100."
    ]
    top = sorted(members.values(), key=lambda m: (-m[1], m[0]))[:3]
    lines.append("Most points: " + ", ".join(f"{n} ({p})" for n, p in top) + ".")
    weak = weak_topics(answers, items)
    if weak:
        lines.append(f"To revisit: {', '.join(weak)}. Try `/practice` to work on them privately.")
    return Reply(title=f"Weekly recap ({first:%a %d %b} to {last:%a %d %b})", text="\n".join(lines))
