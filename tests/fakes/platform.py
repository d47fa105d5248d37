"""A recording ChatPlatform: tests assert on what would have reached the platform."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.model import ChannelRef, IncomingMessage, MessageRef, Reply, ThreadPage, UserRef


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

    async def react(self, message: MessageRef, emoji: str) -> None:
        self.sent.append(Sent("react", None, message.channel, target=message, emoji=emoji))

    def of(self, kind: str) -> list[Sent]:
        """The calls of one kind."""
        return [s for s in self.sent if s.kind == kind]


@dataclass
class ThreadedPlatform(RecordingPlatform):
    """A RecordingPlatform whose question threads can be read back (the ThreadReader port).

    ``threads`` holds what was said in each thread, members' and bots' messages alike, as
    the platform keeps them whether the bot was listening or not; ``reads`` records each
    ``thread_messages`` call as (thread id, after, limit).
    """

    threads: dict[str, list[tuple[IncomingMessage, bool]]] = field(default_factory=dict)
    reads: list[tuple[str, str, int]] = field(default_factory=list)
    _said: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def say(
        self,
        thread: MessageRef,
        user: UserRef,
        text: str,
        *,
        bot: bool = False,
        mentions_bot: bool = False,
    ) -> IncomingMessage:
        """Someone posts ``text`` in the thread (the bot hears it only if the test says so)."""
        ref = MessageRef(thread.channel, f"t{next(self._said):05d}", thread.thread_id)
        message = IncomingMessage(
            thread.channel, user, text, message=ref, thread=thread, mentions_bot=mentions_bot
        )
        self.threads.setdefault(thread.thread_id, []).append((message, bot))
        return message

    async def thread_messages(self, thread: MessageRef, after: str, limit: int) -> ThreadPage:
        self.reads.append((thread.thread_id, after, limit))
        said = self.threads.get(thread.thread_id, [])
        ids = [m.message.message_id for m, _ in said if m.message]
        start = ids.index(after) + 1 if after in ids else 0
        chunk = said[start : start + limit]
        return ThreadPage(
            messages=tuple(m for m, bot in chunk if not bot),
            last=ids[start + len(chunk) - 1] if chunk else "",
            more=start + len(chunk) < len(said),
        )
