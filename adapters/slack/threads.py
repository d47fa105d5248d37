"""Reading a question thread back (answer catch-up): ``conversations.replies`` → IncomingMessages.

Slack redelivers an event only while it goes unacknowledged, and nothing at all for a process
that was down; the core's catch-up reads open threads instead (``bot.core.catchup``).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import paging
from adapters.slack.listeners import ANSWERED_SUBTYPES, incoming
from adapters.slack.members import PLATFORM, Members
from bot.core.model import IncomingMessage, MessageRef, ThreadPage, UserRef

PAGE_SIZE = 200
"""Messages asked for per ``conversations.replies`` call (Slack suggests at most 200)."""


def spoken(message: dict[str, Any], bot_user_id: str) -> bool:
    """A member's message, as the live listener takes it: no bot, no edit, join or the like."""
    if message.get("bot_id") or message.get("subtype") not in ANSWERED_SUBTYPES:
        return False
    return bool(message.get("user")) and message.get("user") != bot_user_id


async def read_thread(
    client: AsyncWebClient,
    members: Members | None,
    thread: MessageRef,
    after: str,
    limit: int,
    bot_user_id: str,
) -> ThreadPage:
    """Replies in ``thread`` newer than the message ``after`` (a ``ts``), oldest first, from at
    most ``limit`` read; cursor-paged (Slack repeats the parent message on every page)."""
    thread_ts = thread.thread_id or thread.message_id
    found: list[IncomingMessage] = []
    last, read = "", 0
    async for page in paging.pages(
        client.conversations_replies,
        channel=thread.channel.channel,
        ts=thread_ts,
        oldest=after,
        limit=min(PAGE_SIZE, limit),
    ):
        for message in page.get("messages") or []:
            ts = str(message.get("ts") or "")
            if not ts or ts == thread_ts or float(ts) <= float(after):
                continue  # the parent message (or one not newer than ``after``)
            if read == limit:
                return ThreadPage(tuple(found), last, more=True)
            read, last = read + 1, ts
            if spoken(message, bot_user_id):
                user_id = str(message["user"])
                user = await members.get(user_id) if members else UserRef(PLATFORM, user_id)
                event = {**message, "channel": thread.channel.channel, "thread_ts": thread_ts}
                found.append(incoming(event, thread.channel.workspace, bot_user_id, user))
    return ThreadPage(tuple(found), last, more=False)
