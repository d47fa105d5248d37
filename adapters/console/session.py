"""The console loop: terminal lines → core calls (commands, explain, answers in the thread)."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import uuid
from typing import TextIO

from adapters.console.platform import CONSOLE_CHANNEL, ConsolePlatform, render
from bot.core import replies
from bot.core.model import IncomingMessage, MessageRef, UserRef
from bot.core.service import QotdService

log = logging.getLogger(__name__)

BANNER = (
    "qotd console: answer the question by typing; `explain <topic>` to look something up; "
    "/help for commands; /quit to leave."
)


DEFAULT_MEMBER = "you"


def console_member(name: str = DEFAULT_MEMBER) -> UserRef:
    """The console's member: each ``QOTD_CONSOLE_USER`` name is its own user (own stats, cards).

    The default name keeps the id earlier versions used, so an existing database still counts.
    """
    name = name.strip() or DEFAULT_MEMBER
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    user_id = "console-user" if name == DEFAULT_MEMBER or not slug else f"console-{slug}"
    return UserRef("console", user_id, name, is_admin=True)


class ConsoleSession:
    """Reads the member's lines and hands them to the service, as a platform adapter would."""

    def __init__(
        self, service: QotdService, platform: ConsolePlatform, user: UserRef, out: TextIO
    ) -> None:
        self._service = service
        self._platform = platform
        self._user = user
        self._out = out
        # Unique across runs: a restart on the same day must not reuse the ids of stored
        # answers, or new answers would be dropped as redeliveries.
        self._run = uuid.uuid4().hex[:12]
        self._counter = 0

    async def open(self) -> None:
        """Greet, catch up, and show today's question (posting it if needed)."""
        self._out.write(BANNER + "\n\n")
        caught_up = await self._service.catch_up_missed()
        post, fresh = await self._service.daily.post_today(CONSOLE_CHANNEL)
        if post is not None and not fresh and not caught_up:
            await self.handle("/today")
        if post is not None and post.message:
            self._platform.current_thread = post.message

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the member asked to leave."""
        text = line.strip()
        if not text:
            return True
        if text.lower() in ("/quit", "/exit", "quit", "exit"):
            return False
        if text.startswith("/"):
            reply = await self._service.on_text_command(
                CONSOLE_CHANNEL, self._user, text, self._platform.current_thread
            )
            self._out.write(("(only you) " if reply.private else "") + render(reply) + "\n\n")
            self._out.flush()
            return True
        self._counter += 1
        ref = MessageRef(CONSOLE_CHANNEL, f"console-{self._run}-{self._counter}")
        thread = self._platform.current_thread
        message = IncomingMessage(
            channel=CONSOLE_CHANNEL,
            user=self._user,
            text=text,
            message=ref,
            thread=thread,
            is_direct=thread is None,
        )
        if thread is not None:
            await self._service.on_answer(message)  # the core says "not graded" itself
        else:
            await self._service.on_message(message)
        return True

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        """Loop over input lines until EOF or /quit."""
        await self.open()
        interactive = stdin.isatty()
        while True:
            if interactive:
                self._out.write("> ")
                self._out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            try:
                if not await self.handle(line):
                    break
            except Exception as exc:  # keep the session alive; say what happened
                log.exception("console line failed")
                self._out.write(render(replies.FAILED) + f"\n({type(exc).__name__}: {exc})\n\n")
