"""Due work in the database: channels claimed when their time has come, each by one instance,
for a lease; schedule changes seen by every instance; scopes by platform and Discord shard."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.model import ChannelRef, MessageRef, Schedule, Scope, shard_of
from bot.storage.sql_store import SqlStore
from tests.storage.conftest import Clock

EVERYWHERE = Scope()
LEASE = timedelta(minutes=5)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def channel(n: int, platform: str = "slack", workspace: str = "T1") -> ChannelRef:
    return ChannelRef(platform, workspace, f"C{n:03d}")


def claimed(store: SqlStore, now: datetime = NOW, scope: Scope = EVERYWHERE) -> set[str]:
    return {c.channel for c, _ in store.claim_due_posts(scope, now, 100, LEASE)}


def test_a_new_channel_is_due_at_once_and_a_paused_one_never(store: SqlStore) -> None:
    store.ensure_channel(channel(1))
    store.set_schedule(channel(2), Schedule(paused=True))
    assert claimed(store) == {"C001"}


def test_a_claimed_channel_is_handed_out_again_only_after_its_lease(store: SqlStore) -> None:
    store.ensure_channel(channel(1))
    assert claimed(store) == {"C001"}
    assert claimed(store, NOW + LEASE - timedelta(seconds=1)) == set()
    assert claimed(store, NOW + LEASE) == {"C001"}  # its instance died: another takes it


def test_the_next_slot_recorded_after_posting_keeps_the_channel_quiet_until_then(
    store: SqlStore,
) -> None:
    store.ensure_channel(channel(1))
    [(ref, _)] = store.claim_due_posts(EVERYWHERE, NOW, 10, LEASE)
    tomorrow = NOW + timedelta(hours=21)
    assert store.set_next_post(ref, tomorrow, NOW + LEASE)
    assert claimed(store, tomorrow - timedelta(seconds=1)) == set()
    assert claimed(store, tomorrow) == {"C001"}


def test_a_schedule_changed_on_another_instance_supersedes_the_claim(
    open_store: Callable[[], SqlStore],
) -> None:
    mine, other = open_store(), open_store()
    mine.ensure_channel(channel(1))
    [(ref, schedule)] = mine.claim_due_posts(EVERYWHERE, NOW, 10, LEASE)
    other.set_schedule(ref, replace(schedule, hour=13))
    # The slot computed from the old schedule is not written over the change...
    assert not mine.set_next_post(ref, NOW + timedelta(days=1), NOW + LEASE)
    # ...and the next tick of any instance looks at the channel with its new schedule.
    [(again, seen)] = mine.claim_due_posts(EVERYWHERE, NOW, 10, LEASE)
    assert again == ref and seen.hour == 13


def test_instances_claiming_at_once_get_disjoint_batches_covering_everything(
    open_store: Callable[[], SqlStore],
) -> None:
    stores = [open_store() for _ in range(4)]
    for n in range(120):
        stores[0].ensure_channel(channel(n))
    start = threading.Barrier(len(stores))

    def drain(store: SqlStore) -> list[str]:
        start.wait()
        got: list[str] = []
        while batch := store.claim_due_posts(EVERYWHERE, NOW, 7, LEASE):
            got += [c.channel for c, _ in batch]
        return got

    with ThreadPoolExecutor(len(stores)) as pool:
        batches = list(pool.map(drain, stores))
    everything = [name for batch in batches for name in batch]
    assert len(everything) == 120 and len(set(everything)) == 120


def test_an_instance_claims_only_its_platform_and_its_discord_shards(store: SqlStore) -> None:
    guilds = [str((n << 22) + 17) for n in range(8)]  # guild n is on shard n % 4
    for n, guild in enumerate(guilds):
        store.ensure_channel(channel(n, "discord", guild))
    store.ensure_channel(channel(90, "discord", ""))  # a DM: shard 0
    store.ensure_channel(channel(91, "slack"))
    shards_1_3 = Scope("discord", 4, (1, 3))
    mine = claimed(store, scope=shards_1_3)
    assert mine == {"C001", "C003", "C005", "C007"}
    assert all(shards_1_3.serves(channel(n, "discord", guilds[n])) for n in (1, 3, 5, 7))
    assert shard_of("", 4) == 0 and not shards_1_3.serves(channel(90, "discord", ""))
    assert claimed(store, scope=Scope("slack")) == {"C091"}
    assert claimed(store, scope=Scope("discord", 4, (0,))) == {"C000", "C004", "C090"}


def test_each_due_reveal_is_claimed_once(store: SqlStore, clock: Clock) -> None:
    ref = channel(1)
    due = NOW + timedelta(hours=8)
    post = store.claim_post(ref, "2026-03-10", "q1", 0, NOW, due)
    assert post is not None
    store.claim_post(ref, "2026-03-11", "q2", 0, NOW, due)  # never posted: nothing to reveal
    store.set_post_message(post.id, MessageRef(ref, "m1", "m1"))
    assert store.claim_reveals(EVERYWHERE, due - timedelta(seconds=1), 10) == []
    [revealed] = store.claim_reveals(EVERYWHERE, due, 10)
    assert revealed.id == post.id
    assert store.claim_reveals(EVERYWHERE, due + timedelta(hours=1), 10) == []
    assert not store.mark_revealed(post.id, due)  # /reveal afterwards: already done


def test_a_thread_waits_for_its_hint_from_its_post_and_is_handed_out_once(
    store: SqlStore,
) -> None:
    ref = channel(1)
    post = store.claim_post(ref, "2026-03-10", "q1", 0, NOW, None)
    assert post is not None
    assert store.claim_hints(EVERYWHERE, NOW - timedelta(seconds=1), 10) == []
    [waiting] = store.claim_hints(EVERYWHERE, NOW, 10)
    assert waiting.id == post.id
    assert store.claim_hints(EVERYWHERE, NOW + timedelta(days=1), 10) == []
