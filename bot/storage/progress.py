"""Members' progress: points from best scores per post, and streaks over scheduled local days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, desc, func, select
from sqlalchemy.orm import Session

from bot.core.model import UserStats
from bot.storage.tables import AttemptRow, ChannelRow, PostRow

EVERY_DAY: tuple[int, ...] = tuple(range(7))


def streaks(
    days: Iterable[date], today: date, weekdays: Sequence[int] = EVERY_DAY
) -> tuple[int, int]:
    """(current, best) runs of answering days that skip none of the channel's ``weekdays``.

    A Monday-to-Friday channel keeps a streak from Friday to Monday; the current run lasts
    until a scheduled day after the last answer has passed unanswered.
    """
    scheduled = frozenset(weekdays) or frozenset(EVERY_DAY)

    def unbroken(earlier: date, later: date) -> bool:
        """No scheduled day strictly between the two dates."""
        gap = (later - earlier).days
        if gap > 7:  # a whole week in between holds every weekday
            return False
        return all(
            (earlier + timedelta(days=step)).weekday() not in scheduled for step in range(1, gap)
        )

    ordered = sorted(set(days))
    best = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and unbroken(previous, day) else 1
        best = max(best, run)
        previous = day
    alive = previous is not None and previous <= today and unbroken(previous, today)
    return (run if alive else 0), best


def _totals(
    channel_id: int, since: datetime | None, user_id: str | None = None
) -> Select[str, int, int]:
    """(user, posts answered, points) ranked by points, counting each post's best score once."""
    query = (
        select(
            AttemptRow.user_id,
            AttemptRow.post_id,
            func.max(AttemptRow.score).label("best"),
        )
        .join(PostRow, PostRow.id == AttemptRow.post_id)
        .where(
            PostRow.channel_id == channel_id,
            AttemptRow.flagged.is_(False),
            AttemptRow.scored.is_(True),
        )
        .group_by(AttemptRow.user_id, AttemptRow.post_id)
    )
    if since is not None:
        query = query.where(AttemptRow.created_at >= since)
    if user_id is not None:
        query = query.where(AttemptRow.user_id == user_id)
    best = query.subquery()
    points = func.coalesce(func.sum(best.c.best), 0)
    return (
        select(best.c.user_id, func.count().label("answered"), points.label("points"))
        .group_by(best.c.user_id)
        .order_by(desc(points), desc(func.count()), best.c.user_id)
    )


def _days(session: Session, channel_id: int, user_id: str, zone: ZoneInfo) -> set[date]:
    """Local dates (in ``zone``) on which the member gave a non-flagged answer in the channel."""
    stamps = session.scalars(
        select(AttemptRow.created_at)
        .join(PostRow, PostRow.id == AttemptRow.post_id)
        .where(
            PostRow.channel_id == channel_id,
            AttemptRow.user_id == user_id,
            AttemptRow.flagged.is_(False),
            AttemptRow.scored.is_(True),
        )
    )
    return {stamp.astimezone(zone).date() for stamp in stamps}


def _weekdays(session: Session, channel_id: int) -> tuple[int, ...]:
    """The channel's scheduled weekdays (every day when it has none)."""
    row = session.get(ChannelRow, channel_id)
    days = tuple(int(d) for d in row.weekdays.split(",") if d.strip()) if row else ()
    return days or EVERY_DAY


def _display_name(session: Session, channel_id: int, user_id: str) -> str:
    """The name the member used on their latest attempt in the channel."""
    name = session.scalar(
        select(AttemptRow.display_name)
        .join(PostRow, PostRow.id == AttemptRow.post_id)
        .where(PostRow.channel_id == channel_id, AttemptRow.user_id == user_id)
        .order_by(desc(AttemptRow.created_at), desc(AttemptRow.id))
        .limit(1)
    )
    return name or ""


def _stats(
    session: Session,
    channel_id: int,
    user_id: str,
    answered: int,
    points: int,
    zone: ZoneInfo,
    now: datetime,
) -> UserStats:
    days = _days(session, channel_id, user_id, zone)
    today = now.astimezone(zone).date()
    current, best = streaks(days, today, _weekdays(session, channel_id))
    return UserStats(
        user_id=user_id,
        display_name=_display_name(session, channel_id, user_id),
        answered=answered,
        points=points,
        average_score=points / answered if answered else 0.0,
        streak=current,
        best_streak=best,
    )


def user_stats(
    session: Session, channel_id: int, user_id: str, timezone: str, now: datetime
) -> UserStats | None:
    """The member's progress in the channel, or None if they never answered there."""
    row = session.execute(_totals(channel_id, None, user_id)).first()
    if row is None:
        return None
    zone = ZoneInfo(timezone)
    return _stats(session, channel_id, user_id, int(row[1]), int(row[2]), zone, now)


def leaderboard(
    session: Session,
    channel_id: int,
    since: datetime | None,
    limit: int,
    timezone: str,
    now: datetime,
) -> list[UserStats]:
    """Members ranked by points since ``since``; streaks always count every scheduled day."""
    zone = ZoneInfo(timezone)
    rows = session.execute(_totals(channel_id, since).limit(limit)).all()
    return [
        _stats(session, channel_id, str(uid), int(n), int(pts), zone, now) for uid, n, pts in rows
    ]
