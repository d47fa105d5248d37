"""Protocols the outside world implements: the chat platform, the embedder, the stores, and
the searcher and grader the service is given (tests pass fakes through these)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from bot.core.model import (
    Attempt,
    ChannelRef,
    Delivery,
    Grade,
    Instance,
    Item,
    LiveItem,
    MessageRef,
    Post,
    PracticeCard,
    PracticeMember,
    Reply,
    Schedule,
    Scope,
    ScoredAnswer,
    Suggestion,
    ThreadPage,
    UserRef,
    UserStats,
)
from bot.core.pictures import Picture

if TYPE_CHECKING:
    from bot.core.retrieval import ExplainResult

Vectors = npt.NDArray[np.float32]


class PlatformError(Exception):
    """What adapters raise when the platform refuses a call.

    ``permanent`` means retrying cannot help (channel gone, bot removed, no permission); the
    channel is then paused and its admins told. Otherwise the call is retried with backoff,
    after ``retry_after`` seconds when the platform said so (rate limits). ``unsent`` means
    the platform certainly did not act on the call (it refused it, or it never arrived), so
    repeating a send cannot show it twice; any other failure of a send may hide a success.
    ``channel_lost`` (by default: ``permanent``) says the refusal is about the channel itself
    (bot removed, channel archived or deleted), not the message: the core then pauses it.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unsent: bool = False,
        channel_lost: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.channel_lost = permanent if channel_lost is None else channel_lost
        self.retry_after = retry_after
        self.unsent = unsent


class Metrics(Protocol):
    """Counters and timings the core reports (Prometheus in production, nothing in tests)."""

    def post_made(self) -> None:
        """A daily question reached the platform."""
        ...

    def attempt_graded(self) -> None:
        """An answer attempt was graded and stored."""
        ...

    def explain_seconds(self, seconds: float) -> None:
        """How long one explain request took."""
        ...

    def error(self, kind: str) -> None:
        """Something failed; ``kind`` is a short stable label such as ``platform_transient``."""
        ...


class NoMetrics:
    """The Metrics that records nothing."""

    def post_made(self) -> None:
        """Ignored."""

    def attempt_graded(self) -> None:
        """Ignored."""

    def explain_seconds(self, seconds: float) -> None:
        """Ignored."""

    def error(self, kind: str) -> None:
        """Ignored."""


class ChatPlatform(Protocol):
    """Outbound port: what the core asks a platform adapter to do."""

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        """Post a question in the channel and open a discussion thread on it (pings nobody).

        ``key`` identifies the claim the post is for; the post carries it so that
        ``find_question`` can recognise it later (and, where the platform can, so that a
        retried send with the same key is not posted twice).
        """
        ...

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        """The question posted with ``key`` in the channel at or after ``since``, if the
        platform holds one (with its discussion thread opened if that step never happened).

        The core asks before posting for a claim taken over from a dead instance, which may
        have posted just before it died.
        """
        ...

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        """Post a visible reply in the thread of ``thread``."""
        ...

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Say something only ``user`` sees (ephemeral message or DM)."""
        ...

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Add a reaction (a neutral name such as ``white_check_mark``) to a message."""
        ...

    async def post_message(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        """A plain channel message, its attachments (PNG charts) as files (the weekly recap)."""
        ...


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """A stable identifier of the model (used to key the embedding cache)."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Encode texts into an ``(n, dim)`` array of unit vectors (blocking: call via a thread)."""
        ...


class Searcher(Protocol):
    """What explain needs: the Retriever, or a wrapper that builds it in the background."""

    def search(self, query: str, k: int = 3) -> ExplainResult:
        """The closest answered items to ``query`` (or an abstention)."""
        ...


class Grader(Protocol):
    """What answers are graded by: ``bot.core.grading.Grader``, or a test's fake (blocking)."""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        """Score ``answer`` by ``item``'s key points; ``earlier`` are (whose, text) answers it
        must not be copied from (the reference answer, other members')."""
        ...


class Store(Protocol):
    """Persistence of channels, posts, attempts and progress (synchronous; call via a thread)."""

    def ensure_channel(self, channel: ChannelRef) -> Schedule:
        """Register the channel if new (default schedule) and return its schedule."""
        ...

    def get_schedule(self, channel: ChannelRef) -> Schedule | None:
        """The channel's schedule, or None if the channel is unknown."""
        ...

    def set_schedule(self, channel: ChannelRef, schedule: Schedule) -> None:
        """Replace the channel's schedule (creating the channel if needed)."""
        ...

    def list_channels(self) -> list[tuple[ChannelRef, Schedule]]:
        """Every known channel with its schedule."""
        ...

    def claim_post(
        self,
        channel: ChannelRef,
        local_date: str,
        item_id: str,
        cycle: int,
        now: datetime,
        reveal_due_at: datetime | None,
        takeover_after: timedelta | None = None,
    ) -> Post | None:
        """Record the post for (channel, local date) before posting; None if one already exists.

        With ``takeover_after``, a claim that never got its message recorded and is older than
        that (its instance died mid-post) is taken over atomically and returned instead.
        """
        ...

    def set_post_message(self, post_id: int, message: MessageRef) -> None:
        """Record the platform message (and thread) of a claimed post."""
        ...

    def release_post(self, post_id: int) -> None:
        """Forget a claim whose posting failed, so it can be retried."""
        ...

    def get_post(self, post_id: int) -> Post | None:
        """A post by id."""
        ...

    def post_for_date(self, channel: ChannelRef, local_date: str) -> Post | None:
        """The post claimed for the channel on that local date, if any."""
        ...

    def post_by_thread(self, channel: ChannelRef, thread_id: str) -> Post | None:
        """The post whose message or thread id is ``thread_id`` in that channel."""
        ...

    def latest_post(self, channel: ChannelRef) -> Post | None:
        """The channel's most recent post (by local date, then id)."""
        ...

    def posts_in_cycle(self, channel: ChannelRef, cycle: int) -> list[Post]:
        """Posts of the channel in that selection cycle, oldest first."""
        ...

    def recent_posts(self, channel: ChannelRef, limit: int) -> list[Post]:
        """The channel's newest posts, newest first."""
        ...

    def mark_revealed(self, post_id: int, now: datetime) -> bool:
        """Mark the post revealed; False if it already was (so a reveal happens once)."""
        ...

    def mark_skipped(self, post_id: int) -> None:
        """Mark the post skipped (its item was replaced by another)."""
        ...

    def posts_due_for_reveal(self, now: datetime) -> list[Post]:
        """Posted, unrevealed posts whose reveal time has come."""
        ...

    def add_attempt(self, attempt: Attempt) -> bool:
        """Store a graded answer attempt; False if its message was already stored (redelivery)."""
        ...

    def mark_feedback_sent(self, post_id: int, message_id: str) -> None:
        """Record that the attempt of ``message_id`` on the post got its feedback."""
        ...

    def add_notice(self, channel: ChannelRef, text: str) -> None:
        """Keep a message for the channel's admins until their next command."""
        ...

    def take_notices(self, channel: ChannelRef) -> list[str]:
        """The channel's pending admin notices, removed so each is shown once."""
        ...

    def attempts_for_post(self, post_id: int) -> list[Attempt]:
        """Every attempt on a post, oldest first."""
        ...

    def user_stats(self, channel: ChannelRef, user_id: str, timezone: str) -> UserStats | None:
        """A member's progress in the channel (streaks counted in ``timezone`` local days)."""
        ...

    def leaderboard(
        self, channel: ChannelRef, since: datetime | None, limit: int, timezone: str
    ) -> list[UserStats]:
        """Members ranked by points earned since ``since`` (all time when None)."""
        ...

    def open_posts(self, platform: str, since: datetime) -> list[Post]:
        """Posted, unrevealed, unskipped posts of ``platform`` created at or after ``since``."""
        ...

    def thread_mark(self, post_id: int) -> str:
        """The id of the last thread message answer catch-up read for the post ("" if none)."""
        ...

    def set_thread_mark(self, post_id: int, message_id: str, now: datetime) -> None:
        """Record how far answer catch-up read the post's thread."""
        ...

    def claim_due_posts(
        self, scope: Scope, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[ChannelRef, Schedule]]:
        """Up to ``limit`` channels whose next slot has come, each claimed until ``now + lease``
        (instances claiming at once get disjoint batches)."""
        ...

    def set_next_post(
        self, channel: ChannelRef, when: datetime | None, claimed_until: datetime
    ) -> bool:
        """When the channel next needs a look (None: never), unless the claim of
        ``claimed_until`` was superseded by a schedule change or another instance."""
        ...

    def claim_due_recaps(
        self, scope: Scope, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[ChannelRef, Schedule]]:
        """Up to ``limit`` channels whose weekly recap time has come, claimed like posts."""
        ...

    def set_next_recap(
        self, channel: ChannelRef, when: datetime | None, claimed_until: datetime
    ) -> bool:
        """The channel's next recap time (as ``set_next_post``)."""
        ...

    def claim_reveals(self, scope: Scope, now: datetime, limit: int) -> list[Post]:
        """Up to ``limit`` posts due for reveal, marked revealed as they are claimed."""
        ...

    def claim_hints(self, scope: Scope, before: datetime, limit: int) -> list[Post]:
        """Up to ``limit`` open posts waiting for a hint since ``before`` or earlier, taken off
        the waiting list."""
        ...

    def beat(self, scope: Scope, now: datetime, forget_before: datetime) -> None:
        """Record this instance alive at ``now``, serving ``scope``; forget instances silent
        since before ``forget_before``."""
        ...

    def instances(self, platform: str) -> list[Instance]:
        """Every recorded instance of ``platform``, with when each was last seen."""
        ...

    def leave(self) -> None:
        """Forget this instance (it stops cleanly)."""
        ...

    def ping(self) -> None:
        """Raise if the database cannot be reached (health checks)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class InboxStore(Protocol):
    """Platform deliveries, committed before they are acknowledged (``bot.core.inbox``)."""

    def receive_delivery(self, delivery: Delivery, now: datetime, lease: timedelta) -> bool:
        """Record a delivery and claim it for this instance; False for a repeat of one
        already done, or being processed by an instance that renewed its claim within
        ``lease``. Raises when it cannot be written."""
        ...

    def finish_delivery(self, platform: str, key: str, now: datetime) -> None:
        """Mark a delivery processed (its payload is no longer kept)."""
        ...

    def save_progress(self, platform: str, key: str, payload: str) -> None:
        """Replace an unfinished delivery's payload with how far its processing got."""
        ...

    def stored_payload(self, platform: str, key: str) -> str | None:
        """The payload of an unfinished delivery (None when done or unknown)."""
        ...

    def claim_unfinished(
        self, platform: str, now: datetime, lease: timedelta, limit: int, orphaned_before: datetime
    ) -> list[Delivery]:
        """Claim up to ``limit`` unfinished deliveries nobody is processing: claimed longer
        than ``lease`` ago, or claimed under this instance's name before ``orphaned_before``
        (by its previous run), oldest first."""
        ...

    def renew_deliveries(self, platform: str, keys: Sequence[str], now: datetime) -> None:
        """Renew this instance's claims of the deliveries it is still processing."""
        ...

    def prune_deliveries(self, before: datetime) -> int:
        """Forget deliveries done before ``before`` (no repeat arrives that late)."""
        ...


class LearningStore(Protocol):
    """Persistence of the learning loop (synchronous; call via a thread)."""

    def get_card(self, platform: str, user_id: str, item_id: str) -> PracticeCard | None:
        """The member's card for an item, if they practised it."""
        ...

    def save_card(self, card: PracticeCard) -> None:
        """Insert or replace the member's card for its item."""
        ...

    def cards(self, platform: str, user_id: str) -> list[PracticeCard]:
        """Every card of the member, soonest due first."""
        ...

    def get_member(self, platform: str, user_id: str) -> PracticeMember | None:
        """The member's practice state."""
        ...

    def save_member(self, member: PracticeMember) -> None:
        """Insert or replace the member's practice state."""
        ...

    def nudge_members(self) -> list[PracticeMember]:
        """Members who opted in to the daily "cards due" nudge."""
        ...

    def mark_thread_nudged(self, post_id: int, now: datetime) -> bool:
        """Record the facilitator's nudge of a post's thread; False if it was already nudged."""
        ...

    def scored_answers(self, channel: ChannelRef) -> list[ScoredAnswer]:
        """Each member's best non-flagged score per post of the channel, oldest first."""
        ...

    def mark_recap(self, channel: ChannelRef, week: str, now: datetime) -> bool:
        """Record the channel's recap of ``week``; False if it was already posted."""
        ...

    def add_suggestion(self, suggestion: Suggestion) -> Suggestion:
        """Queue a suggestion; returns it with its id. One whose ``request`` was queued
        already is not queued again: the earlier one is returned."""
        ...

    def suggestion_for(self, request: str, where: ChannelRef) -> Suggestion | None:
        """The suggestion the platform delivery ``request`` queued in ``where``'s workspace."""
        ...

    def get_suggestion(self, suggestion_id: int, where: ChannelRef) -> Suggestion | None:
        """The suggestion with that id if it was made in ``where``'s platform and workspace
        (its channel, when ``where`` has no workspace); None otherwise."""
        ...

    def suggestions(self, channel: ChannelRef | None, status: str) -> list[Suggestion]:
        """Suggestions with ``status`` (of one channel, or all), oldest first."""
        ...

    def decide_suggestion(
        self, suggestion_id: int, where: ChannelRef, status: str, reason: str
    ) -> bool:
        """Approve or reject a pending suggestion of ``where``'s workspace (as in
        ``get_suggestion``); False if there is none, or it was already decided."""
        ...

    def approve_live(self, suggestion_id: int, where: ChannelRef, live: LiveItem) -> str:
        """In one transaction, approve a pending suggestion of ``where``'s workspace and keep
        ``live`` as a live item: "approved", "not pending" (none, decided already, or another
        workspace's), or "id taken" (another live item has its id; nothing changed)."""
        ...

    def live_items(self) -> list[LiveItem]:
        """Every live item, oldest first."""
        ...

    def live_marker(self) -> str:
        """A cheap value that changes whenever live items are added or removed."""
        ...


class ItemRules(Protocol):
    """The bank's rules for an item (``bot.content``): how a suggestion becomes one, and what
    keeps it out of the bank."""

    def item_for(
        self, suggestion: Suggestion, taken: set[str], key_points: Sequence[str] = ()
    ) -> Item:
        """The suggestion as a bank item with an id not in ``taken`` (key points extracted
        from its answer unless given)."""
        ...

    def problems(self, item: Item, known: set[str]) -> list[str]:
        """What keeps ``item`` out of the bank, as a bank file's lint would say it (none: ok)."""
        ...


class ThreadReader(Protocol):
    """Optional platform capability: read a question thread back (answer catch-up)."""

    async def thread_messages(self, thread: MessageRef, after: str, limit: int) -> ThreadPage:
        """Messages of ``thread`` posted after the message ``after``, oldest first, reading
        at most ``limit`` of them (several platform pages if need be)."""
        ...


class ChartDrawer(Protocol):
    """Draws a core ``Picture`` as a PNG file (matplotlib in ``bot.charts``; blocking)."""

    def __call__(self, path: Path, picture: Picture) -> Path:
        """Save ``picture`` at ``path``."""
        ...
