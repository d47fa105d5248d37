"""The console channel: the ChatPlatform port rendered in a terminal."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import TextIO

from bot.core.commands import REGISTRY
from bot.core.model import ChannelRef, MessageRef, Reply, UserRef

CONSOLE_CHANNEL = ChannelRef(platform="console", workspace="local", channel="console")

EMOJI = {"white_check_mark": "✅", "warning": "⚠️", "speech_balloon": "💬"}


def render(reply: Reply) -> str:
    """A Reply as terminal text: title, Markdown body, fields, context and available actions."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    if reply.text:
        parts.append(reply.text)
    if reply.fields:
        parts.append(" · ".join(f"{f.name}: {f.value}" for f in reply.fields))
    if reply.context:
        parts.append(f"({reply.context})")
    parts += [f"📊 Chart saved: {path}" for path in reply.attachments]
    if reply.buttons:
        typed = dict.fromkeys(REGISTRY.button_as_command(b.action, b.value) for b in reply.buttons)
        parts.append("Actions: " + ", ".join(f"`{t}`" for t in typed))
    return "\n".join(parts)


class ConsolePlatform:
    """Prints what the bot posts; remembers the thread of the latest question for answers."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._ids = itertools.count()
        self.current_thread: MessageRef | None = None

    def _new_ref(self, channel: ChannelRef, thread_id: str = "") -> MessageRef:
        message_id = f"{time.time_ns()}-{next(self._ids)}"
        return MessageRef(channel=channel, message_id=message_id, thread_id=thread_id or message_id)

    def _print(self, text: str) -> None:
        self._out.write(text.rstrip() + "\n\n")
        self._out.flush()

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        """Print the question and make its thread the one plain lines answer."""
        ref = self._new_ref(channel)
        self.current_thread = ref
        self._print(render(reply) + "\n(Type your answer, or /help.)")
        return ref

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        """Always None: a claim is only taken over from a process that died, and what that
        process printed went with its terminal session, so this one must print it again."""
        return None

    async def post_message(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        """Print a channel message that is not a question (the weekly recap)."""
        self._print(render(reply))
        return self._new_ref(channel)

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        """Print a reply in the question's thread."""
        self._print("  │ " + render(reply).replace("\n", "\n  │ "))
        return self._new_ref(thread.channel, thread.thread_id)

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Print a reply only the console member sees."""
        self._print("(only you) " + render(reply))

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Print a reaction."""
        self._print(f"  ↳ {EMOJI.get(emoji, ':' + emoji + ':')}")
