"""A recording ChatPlatform: tests assert on what would have reached the platform."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.model import ChannelRef, MessageRef, Reply, UserRef


@dataclass
class Sent:
    """One call the core made on the platform."""

    kind: str
    reply: Reply | None
    channel: ChannelRef
    user: UserRef | None = None
    target: MessageRef | None = None
    emoji: str = ""
    key: str = ""


@dataclass
class RecordingPlatform:
    """Implements ChatPlatform; optionally fails posts to test error handling.

    It holds every question posted with its key, as a real platform's history would, and
    records each ``find_question`` call in ``finds``.
    """

    sent: list[Sent] = field(default_factory=list)
    finds: list[str] = field(default_factory=list)
    fail_posts: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _ref(self, channel: ChannelRef, thread: str = "") -> MessageRef:
        mid = f"m{next(self._ids)}"
        return MessageRef(channel, mid, thread or mid)

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        if self.fail_posts:
            self.fail_posts -= 1
            raise ConnectionError("platform unavailable")
        ref = self._ref(channel)
        self.sent.append(Sent("post", reply, channel, target=ref, key=key))
        return ref

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        self.finds.append(key)
        return next(
            (s.target for s in self.of("post") if s.channel == channel and s.key == key), None
        )

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        self.sent.append(Sent("thread", reply, thread.channel, target=thread))
        return self._ref(thread.channel, thread.thread_id)

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        self.sent.append(Sent("private", reply, channel, user=user, target=thread))

    async def post_message(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        ref = self._ref(channel)
        self.sent.append(Sent("message", reply, channel, target=ref))
        return ref

    async def react(self, message: MessageRef, emoji: str) -> None:
        self.sent.append(Sent("react", None, message.channel, target=message, emoji=emoji))

    def of(self, kind: str) -> list[Sent]:
        """The calls of one kind."""
        return [s for s in self.sent if s.kind == kind]
