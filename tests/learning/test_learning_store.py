"""The learning tables on SQLite and PostgreSQL: upserts, once-only marks, scores per post."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.model import Attempt, ChannelRef, PracticeCard, PracticeMember, UserRef
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore

CHANNEL = ChannelRef("slack", "T1", "C1")
ADA = UserRef("slack", "U1", "Ada")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_cards_members_and_once_only_marks(database_url: str) -> None:
    store = SqlLearningStore(database_url)
    card = PracticeCard("slack", "U1", "item-1", "decoding", "{}", NOW, 1, 40, NOW)
    store.save_card(card)
    store.save_card(replace(card, due=NOW + timedelta(days=3)))
    [saved] = store.cards("slack", "U1")
    assert saved.due == NOW + timedelta(days=3) and saved.topic == "decoding"
    store.save_member(PracticeMember(ADA, CHANNEL, "item-1", nudge=True))
    assert [m.user.user_id for m in store.nudge_members()] == ["U1"]
    assert store.mark_thread_nudged(7, NOW) and not store.mark_thread_nudged(7, NOW)
    assert store.mark_recap(CHANNEL, "2026-03-02", NOW)
    assert not store.mark_recap(CHANNEL, "2026-03-02", NOW)
    store.close()


def test_scored_answers_keep_each_members_best_per_post(database_url: str) -> None:
    core = SqlStore(database_url)
    post = core.claim_post(CHANNEL, "2026-03-02", "item-1", 0, NOW, None)
    assert post is not None
    for score, mid in ((30, "a"), (80, "b")):
        core.add_attempt(Attempt(post.id, ADA, "x", score, (), (), False, NOW, message_id=mid))
    core.add_attempt(Attempt(post.id, ADA, "y", 100, (), (), True, NOW, message_id="c"))
    store = SqlLearningStore(database_url)
    [best] = store.scored_answers(CHANNEL)
    assert (best.user_id, best.item_id, best.score, best.answered_at) == ("U1", "item-1", 80, NOW)
    assert store.scored_answers(ChannelRef("slack", "T1", "other")) == []
    store.close()
    core.close()
