"""What the charts show, decided in the core: labelled bars with their values, per panel.

A ``ChartDrawer`` (matplotlib in ``bot.charts``) only draws a ``Picture``; which questions,
members, misconceptions and days appear, and how they are named, is chosen here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import Attempt, Item, Post, ScoredAnswer, UserStats

TITLE_CHARS = 48
"""Question titles are cut to this length on a bar label."""

TOP_MEMBERS = 5
MISCONCEPTIONS = 4


@dataclass(frozen=True, slots=True)
class Bar:
    """One labelled bar; ``text`` is written at its end (the value, as people read it)."""

    label: str
    value: float
    text: str


@dataclass(frozen=True, slots=True)
class Panel:
    """A titled group of horizontal bars; ``limit`` is the axis maximum (0: fit the values)."""

    title: str
    bars: tuple[Bar, ...]
    limit: float = 0.0
    empty: str = "nothing yet"


@dataclass(frozen=True, slots=True)
class Picture:
    """A chart: a title, a one-line subtitle and its panels (drawn two per row)."""

    title: str
    subtitle: str
    panels: tuple[Panel, ...]


def short(text: str, limit: int = TITLE_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def scheduled_days(first: date, days: int, weekdays: Sequence[int]) -> list[date]:
    """The dates of ``days`` days from ``first`` that are on the schedule (all when none)."""
    span = [first + timedelta(days=i) for i in range(days)]
    return [d for d in span if not weekdays or d.weekday() in weekdays]


def _coverage(n: int) -> str:
    return f"{n} answer" + ("" if n == 1 else "s")


def week_picture(
    title: str,
    posts: Sequence[Post],
    attempts: Mapping[int, Sequence[Attempt]],
    items: Mapping[str, Item],
    leaders: Sequence[UserStats],
    week_answers: Sequence[ScoredAnswer],
) -> Picture:
    """The weekly recap a team discusses: coverage per question, top members, the group's
    misconceptions and streaks."""
    questions: list[Bar] = []
    wrong: Counter[str] = Counter()
    for post in sorted(posts, key=lambda p: p.local_date):
        item = items.get(post.item_id)
        if item is None or post.skipped:
            continue
        graded = [t for t in attempts.get(post.id, ()) if t.scored and not t.flagged]
        day = date.fromisoformat(post.local_date)
        label = f"{day:%a} · {short(item.question)}"
        if item.is_prompt:
            replies = len(attempts.get(post.id, ()))
            questions.append(Bar(label, 0.0, f"discussion, {_coverage(replies)}"))
            continue
        average = sum(t.score for t in graded) / len(graded) if graded else 0.0
        questions.append(Bar(label, average, f"{average:.0f}% · {_coverage(len(graded))}"))
        for attempt in attempts.get(post.id, ()):
            wrong.update(set(attempt.contradicted))
    points: dict[str, tuple[str, int]] = {}
    for a in week_answers:
        name, total = points.get(a.user_id, (a.display_name or a.user_id, 0))
        points[a.user_id] = (a.display_name or name, total + a.score)
    top = sorted(points.values(), key=lambda m: (-m[1], m[0]))[:TOP_MEMBERS]
    members = tuple(Bar(short(n, 24), float(p), f"{p} pts") for n, p in top)
    errors = tuple(
        Bar(short(point, 56), float(n), f"{n} member" + ("" if n == 1 else "s"))
        for point, n in wrong.most_common(MISCONCEPTIONS)
    )
    streaks = tuple(
        Bar(short(s.display_name or s.user_id, 24), float(s.streak), f"{s.streak} day(s)")
        for s in sorted(leaders, key=lambda s: (-s.streak, s.display_name))[:TOP_MEMBERS]
        if s.streak
    )
    people = len(points)
    subtitle = (
        f"{len(week_answers)} answer(s) from {people} member(s) on {len(questions)} question(s)"
    )
    return Picture(
        title,
        subtitle,
        (
            Panel("Key-point coverage per question", tuple(questions), 100.0, "no questions"),
            Panel("Top members (points this week)", members, 0.0, "no answers"),
            Panel("Misconceptions (contradicted key points)", errors, 0.0, "none this week"),
            Panel("Streaks (scheduled days in a row)", streaks, 0.0, "no streaks yet"),
        ),
    )


def member_picture(
    title: str,
    answers: Sequence[ScoredAnswer],
    items: Mapping[str, Item],
    days: Sequence[date],
    timezone: str,
) -> Picture:
    """A member's last days: their score on each scheduled day's question, and by topic."""
    zone = ZoneInfo(timezone)
    by_day = {a.answered_at.astimezone(zone).date(): a for a in answers}
    bars: list[Bar] = []
    for day in days:
        a = by_day.get(day)
        item = items.get(a.item_id) if a else None
        if a is None or item is None:
            missing = "not yet" if day == days[-1] else "not answered"  # the last day is today
            bars.append(Bar(f"{day:%a %d}", 0.0, missing))
        else:
            label = f"{day:%a %d} · {short(item.question, 40)}"
            bars.append(Bar(label, float(a.score), f"{a.score}/100"))
    topics: dict[str, list[int]] = {}
    for a in answers:
        if a.item_id in items:
            topics.setdefault(items[a.item_id].topic, []).append(a.score)
    strengths = sorted(
        ((t, sum(s) / len(s), len(s)) for t, s in topics.items()), key=lambda t: -t[1]
    )
    topic_bars = tuple(Bar(t, avg, f"{avg:.0f}% ({_coverage(n)})") for t, avg, n in strengths)
    answered = sum(1 for day in days if day in by_day)
    return Picture(
        title,
        f"{answered} of {len(days)} scheduled day(s) answered",
        (
            Panel("Your score per question", tuple(bars), 100.0, "no scheduled days"),
            Panel("Key-point coverage by topic (all time)", topic_bars, 100.0, "no answers"),
        ),
    )
