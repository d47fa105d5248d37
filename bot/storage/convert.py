"""Translation between table rows and the domain values of ``bot.core.model``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import ColumnElement

from bot.core.model import (
    Attempt,
    ChannelRef,
    Difficulty,
    Item,
    MessageRef,
    Post,
    Schedule,
    UserRef,
)
from bot.storage.tables import AttemptRow, ChannelRow, PostRow

DUE_AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)
"""A due time before any real one: the next tick looks at the row (new or changed schedule)."""


def channel_ref(row: ChannelRow) -> ChannelRef:
    """The platform reference of a channel row."""
    return ChannelRef(row.platform, row.workspace, row.channel)


def schedule_of(row: ChannelRow) -> Schedule:
    """The schedule stored in a channel row."""
    return Schedule(
        hour=row.hour,
        minute=row.minute,
        timezone=row.timezone,
        weekdays=tuple(int(day) for day in row.weekdays.split(",") if day.strip()),
        reveal_after_minutes=row.reveal_after_minutes,
        topics=tuple(topic for topic in row.topics.split(",") if topic),
        difficulty=row.difficulty,
        paused=row.paused,
    )


def apply_schedule(row: ChannelRow, schedule: Schedule) -> None:
    """Write ``schedule`` into a channel row."""
    row.hour, row.minute, row.timezone = schedule.hour, schedule.minute, schedule.timezone
    row.weekdays = ",".join(str(day) for day in schedule.weekdays)
    row.reveal_after_minutes = schedule.reveal_after_minutes
    row.topics = ",".join(schedule.topics)
    row.difficulty, row.paused = schedule.difficulty, schedule.paused
    # A new or changed schedule is looked at by the next tick of any instance (bot.core.due).
    due = None if schedule.paused else DUE_AT_ONCE
    row.next_post_at, row.next_recap_at = due, due


def post_of(row: PostRow, channel: ChannelRow) -> Post:
    """The domain post of a post row and its channel row."""
    ref = channel_ref(channel)
    message = MessageRef(ref, row.message_id, row.thread_id or "") if row.message_id else None
    return Post(
        id=row.id,
        channel=ref,
        local_date=row.local_date,
        item_id=row.item_id,
        cycle=row.cycle,
        created_at=row.created_at,
        message=message,
        revealed_at=row.revealed_at,
        reveal_due_at=row.reveal_due_at,
        skipped=row.skipped,
    )


def attempt_of(row: AttemptRow) -> Attempt:
    """The domain attempt of an attempt row."""
    return Attempt(
        post_id=row.post_id,
        user=UserRef(row.platform, row.user_id, row.display_name),
        text=row.text,
        score=row.score,
        covered=tuple(json.loads(row.covered)),
        missed=tuple(json.loads(row.missed)),
        flagged=row.flagged,
        created_at=row.created_at,
        message_id=row.message_id or "",
        contradicted=tuple(json.loads(row.contradicted or "[]")),
        scored=row.scored,
        feedback_sent=row.feedback_sent,
    )


def channel_where(channel: ChannelRef) -> tuple[ColumnElement[bool], ...]:
    """Criteria selecting the row of ``channel``."""
    return (
        ChannelRow.platform == channel.platform,
        ChannelRow.workspace == channel.workspace,
        ChannelRow.channel == channel.channel,
    )


def attempt_row(attempt: Attempt) -> AttemptRow:
    """A new row storing ``attempt``."""
    return AttemptRow(
        post_id=attempt.post_id,
        platform=attempt.user.platform,
        user_id=attempt.user.user_id,
        display_name=attempt.user.display_name,
        text=attempt.text,
        score=attempt.score,
        covered=json.dumps(list(attempt.covered)),
        missed=json.dumps(list(attempt.missed)),
        flagged=attempt.flagged,
        created_at=attempt.created_at,
        message_id=attempt.message_id or None,
        contradicted=json.dumps(list(attempt.contradicted)),
        scored=attempt.scored,
        feedback_sent=attempt.feedback_sent,
    )


ITEM_LISTS = (
    "key_points",
    "alternate_questions",
    "alternate_answers",
    "alternate_sources",
    "related",
)


def item_json(item: Item) -> str:
    """An item as a JSON object with the keys of a bank file (for the ``live_items`` table)."""
    record: dict[str, object] = {
        "id": item.id,
        "question": item.question,
        "answer": item.answer,
        "topic": item.topic,
        "difficulty": item.difficulty.value,
        "source": item.source,
    }
    record.update({key: list(getattr(item, key)) for key in ITEM_LISTS})
    return json.dumps(record, ensure_ascii=False)


def item_of(text: str) -> Item:
    """The item stored by ``item_json``."""
    record = json.loads(text)
    return Item(
        id=record["id"],
        question=record["question"],
        answer=record["answer"],
        topic=record["topic"],
        difficulty=Difficulty(record["difficulty"]),
        source=record["source"],
        **{key: tuple(record.get(key, ())) for key in ITEM_LISTS},
    )
