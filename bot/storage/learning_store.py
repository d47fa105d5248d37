"""The ``LearningStore`` port on SQLAlchemy: practice cards, members, thread nudges, scores."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.model import (
    ChannelRef,
    LiveItem,
    PracticeCard,
    PracticeMember,
    ScoredAnswer,
    Suggestion,
    UserRef,
)
from bot.storage.convert import channel_where, item_json, item_of
from bot.storage.database import Database, opened
from bot.storage.learning_tables import (
    LiveItemRow,
    PracticeCardRow,
    PracticeMemberRow,
    SuggestionRow,
    ThreadNudgeRow,
    WeeklyRecapRow,
)
from bot.storage.tables import AttemptRow, ChannelRow, PostRow


def _card(row: PracticeCardRow) -> PracticeCard:
    return PracticeCard(
        platform=row.platform,
        user_id=row.user_id,
        item_id=row.item_id,
        topic=row.topic,
        state=row.card,
        due=row.due,
        reviews=row.reviews,
        last_score=row.last_score,
        reviewed_at=row.reviewed_at,
    )


def _member(row: PracticeMemberRow) -> PracticeMember:
    return PracticeMember(
        user=UserRef(row.platform, row.user_id, row.display_name),
        channel=ChannelRef(row.platform, row.workspace, row.channel),
        pending_item_id=row.pending_item_id,
        nudge=row.nudge,
        nudged_on=row.nudged_on,
    )


def _suggestion(row: SuggestionRow) -> Suggestion:
    return Suggestion(
        id=row.id,
        channel=ChannelRef(row.platform, row.workspace, row.channel),
        author=UserRef(row.platform, row.user_id, row.display_name),
        question=row.question,
        answer=row.answer,
        topic=row.topic,
        created_at=row.created_at,
        status=row.status,
        reason=row.reason,
        duplicate_of=row.duplicate_of,
        request=row.request_key or "",
    )


def _in_workspace(where: ChannelRef) -> tuple[ColumnElement[bool], ...]:
    """Rows of the caller's platform and workspace: the tenancy boundary of every id a member
    may type or click. Without a workspace (DMs, the console) the channel is the boundary."""
    same = (SuggestionRow.platform == where.platform, SuggestionRow.workspace == where.workspace)
    return same if where.workspace else (*same, SuggestionRow.channel == where.channel)


class SqlLearningStore:
    """The learning loop's tables in the same database as the core store (migrated to head)."""

    def __init__(self, database: Database | str) -> None:
        self.database, self._owns = opened(database)

    def _session(self, write: bool = False) -> AbstractContextManager[Session]:
        return self.database.session(write=write)

    def _card_row(
        self, session: Session, platform: str, user_id: str, item_id: str
    ) -> PracticeCardRow | None:
        return session.scalars(
            select(PracticeCardRow).where(
                PracticeCardRow.platform == platform,
                PracticeCardRow.user_id == user_id,
                PracticeCardRow.item_id == item_id,
            )
        ).first()

    def get_card(self, platform: str, user_id: str, item_id: str) -> PracticeCard | None:
        """The member's card for an item, if they practised it."""
        with self._session() as session:
            row = self._card_row(session, platform, user_id, item_id)
            return _card(row) if row else None

    def save_card(self, card: PracticeCard) -> None:
        """Insert or replace the member's card for its item."""
        with self._session(write=True) as session:
            row = self._card_row(session, card.platform, card.user_id, card.item_id)
            if row is None:
                row = PracticeCardRow(
                    platform=card.platform, user_id=card.user_id, item_id=card.item_id
                )
                session.add(row)
            row.topic, row.card, row.due = card.topic, card.state, card.due
            row.reviews, row.last_score = card.reviews, card.last_score
            row.reviewed_at = card.reviewed_at or card.due

    def cards(self, platform: str, user_id: str) -> list[PracticeCard]:
        """Every card of the member, soonest due first."""
        with self._session() as session:
            rows = session.scalars(
                select(PracticeCardRow)
                .where(PracticeCardRow.platform == platform, PracticeCardRow.user_id == user_id)
                .order_by(PracticeCardRow.due, PracticeCardRow.item_id)
            )
            return [_card(row) for row in rows]

    def _member_row(
        self, session: Session, platform: str, user_id: str
    ) -> PracticeMemberRow | None:
        return session.scalars(
            select(PracticeMemberRow).where(
                PracticeMemberRow.platform == platform, PracticeMemberRow.user_id == user_id
            )
        ).first()

    def get_member(self, platform: str, user_id: str) -> PracticeMember | None:
        """The member's practice state."""
        with self._session() as session:
            row = self._member_row(session, platform, user_id)
            return _member(row) if row else None

    def save_member(self, member: PracticeMember) -> None:
        """Insert or replace the member's practice state."""
        with self._session(write=True) as session:
            row = self._member_row(session, member.user.platform, member.user.user_id)
            if row is None:
                row = PracticeMemberRow(platform=member.user.platform, user_id=member.user.user_id)
                session.add(row)
            row.display_name = member.user.display_name
            row.workspace, row.channel = member.channel.workspace, member.channel.channel
            row.pending_item_id, row.nudge = member.pending_item_id, member.nudge
            row.nudged_on = member.nudged_on

    def nudge_members(self) -> list[PracticeMember]:
        """Members who opted in to the daily "cards due" nudge."""
        with self._session() as session:
            rows = session.scalars(
                select(PracticeMemberRow)
                .where(PracticeMemberRow.nudge.is_(True))
                .order_by(PracticeMemberRow.id)
            )
            return [_member(row) for row in rows]

    def mark_thread_nudged(self, post_id: int, now: datetime) -> bool:
        """Record the facilitator's nudge of a post's thread; False if it was already nudged."""
        try:
            with self._session(write=True) as session:
                if session.get(ThreadNudgeRow, post_id) is not None:
                    return False
                session.add(ThreadNudgeRow(post_id=post_id, created_at=now))
        except IntegrityError:
            return False  # another instance nudged it first
        return True

    def scored_answers(self, channel: ChannelRef) -> list[ScoredAnswer]:
        """Each member's best non-flagged score per post of the channel, oldest first."""
        with self._session() as session:
            channel_id = session.scalar(select(ChannelRow.id).where(*channel_where(channel)))
            if channel_id is None:
                return []
            rows = session.execute(
                select(
                    AttemptRow.user_id,
                    func.max(AttemptRow.display_name),
                    PostRow.item_id,
                    func.max(AttemptRow.score),
                    func.min(AttemptRow.created_at),
                )
                .join(PostRow, PostRow.id == AttemptRow.post_id)
                .where(
                    PostRow.channel_id == channel_id,
                    AttemptRow.flagged.is_(False),
                    AttemptRow.scored.is_(True),
                )
                .group_by(AttemptRow.user_id, PostRow.id, PostRow.item_id)
                .order_by(func.min(AttemptRow.created_at))
            ).all()
        return [
            ScoredAnswer(str(uid), str(name or ""), str(item), int(score), at)
            for uid, name, item, score, at in rows
        ]

    def mark_recap(self, channel: ChannelRef, week: str, now: datetime) -> bool:
        """Record the channel's recap of ``week``; False if it was already posted."""
        try:
            with self._session(write=True) as session:
                found = session.scalar(
                    select(WeeklyRecapRow.id).where(
                        WeeklyRecapRow.platform == channel.platform,
                        WeeklyRecapRow.workspace == channel.workspace,
                        WeeklyRecapRow.channel == channel.channel,
                        WeeklyRecapRow.week == week,
                    )
                )
                if found is not None:
                    return False
                session.add(
                    WeeklyRecapRow(
                        platform=channel.platform,
                        workspace=channel.workspace,
                        channel=channel.channel,
                        week=week,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def add_suggestion(self, suggestion: Suggestion) -> Suggestion:
        """Queue a suggestion; returns it with its id. One with a ``request`` already queued
        (the same delivery carried out again) is not queued twice: that one is returned."""
        s, c = suggestion, suggestion.channel
        try:
            with self._session(write=True) as session:
                row = SuggestionRow(
                    platform=c.platform,
                    workspace=c.workspace,
                    channel=c.channel,
                    user_id=s.author.user_id,
                    display_name=s.author.display_name,
                    question=s.question,
                    answer=s.answer,
                    topic=s.topic,
                    status=s.status,
                    reason=s.reason,
                    duplicate_of=s.duplicate_of,
                    created_at=s.created_at,
                    request_key=s.request or None,
                )
                session.add(row)
                session.flush()
                return _suggestion(row)
        except IntegrityError:
            # the same delivery queued it already (the unique request key): that one
            earlier = self.suggestion_for(s.request, c) if s.request else None
            if earlier is None:
                raise
            return earlier

    def suggestion_for(self, request: str, where: ChannelRef) -> Suggestion | None:
        """The suggestion the platform delivery ``request`` queued in ``where``'s workspace."""
        query = select(SuggestionRow).where(
            SuggestionRow.platform == where.platform,
            SuggestionRow.workspace == where.workspace,
            SuggestionRow.request_key == request,
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return _suggestion(row) if row is not None else None

    def get_suggestion(self, suggestion_id: int, where: ChannelRef) -> Suggestion | None:
        """The suggestion with that id if it was made in ``where``'s workspace, else None."""
        query = select(SuggestionRow).where(
            SuggestionRow.id == suggestion_id, *_in_workspace(where)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return _suggestion(row) if row else None

    def suggestions(self, channel: ChannelRef | None, status: str) -> list[Suggestion]:
        """Suggestions with ``status`` (of one channel, or all), oldest first."""
        query = select(SuggestionRow).where(SuggestionRow.status == status)
        if channel is not None:
            query = query.where(
                SuggestionRow.platform == channel.platform,
                SuggestionRow.workspace == channel.workspace,
                SuggestionRow.channel == channel.channel,
            )
        with self._session() as session:
            return [_suggestion(row) for row in session.scalars(query.order_by(SuggestionRow.id))]

    def decide_suggestion(
        self, suggestion_id: int, where: ChannelRef, status: str, reason: str
    ) -> bool:
        """Approve or reject a pending suggestion of ``where``'s workspace; False if there is
        none (decided already, or made in another workspace)."""
        query = select(SuggestionRow).where(
            SuggestionRow.id == suggestion_id,
            SuggestionRow.status == "pending",
            *_in_workspace(where),
        )
        with self._session(write=True) as session:
            row = session.scalars(query.with_for_update()).first()
            if row is None:
                return False
            row.status, row.reason = status, reason
            return True

    def approve_live(self, suggestion_id: int, where: ChannelRef, live: LiveItem) -> str:
        """Approve a pending suggestion of ``where``'s workspace and keep ``live``, in one
        transaction: "approved", "not pending", or "id taken" (nothing changed)."""
        query = select(SuggestionRow).where(
            SuggestionRow.id == suggestion_id,
            SuggestionRow.status == "pending",
            *_in_workspace(where),
        )
        owner = live.owner
        try:
            with self._session(write=True) as session:
                row = session.scalars(query.with_for_update()).first()
                if row is None:
                    return "not pending"
                row.status, row.reason = "approved", ""
                session.add(
                    LiveItemRow(
                        item_id=live.item.id,
                        item=item_json(live.item),
                        suggestion_id=suggestion_id,
                        platform=owner.platform,
                        workspace=owner.workspace,
                        channel=owner.channel,
                        approved_by=live.approved_by,
                        created_at=live.approved_at,
                    )
                )
                session.flush()
        except IntegrityError:
            return "id taken"
        return "approved"

    def live_items(self) -> list[LiveItem]:
        """Every live item, oldest first."""
        with self._session() as session:
            rows = session.scalars(select(LiveItemRow).order_by(LiveItemRow.seq)).all()
            return [
                LiveItem(
                    item=item_of(row.item),
                    owner=ChannelRef(row.platform, row.workspace, row.channel),
                    suggestion_id=row.suggestion_id,
                    approved_by=row.approved_by,
                    approved_at=row.created_at,
                )
                for row in rows
            ]

    def live_marker(self) -> str:
        """``count:max(seq)`` of the live items: changes with every addition or removal."""
        query = select(func.count(LiveItemRow.seq), func.max(LiveItemRow.seq))
        with self._session() as session:
            count, last = session.execute(query).one()
        return f"{count}:{last or 0}"

    def close(self) -> None:
        """Release connections (of a database this store opened itself)."""
        if self._owns:
            self.database.close()
