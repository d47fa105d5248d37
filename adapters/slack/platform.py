"""The ChatPlatform port on the Slack Web API: Block Kit posts, thread replies, ephemerals."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import paging, render, threads
from adapters.slack.members import Members
from bot.core.model import ChannelRef, MessageRef, Reply, ThreadPage, UserRef
from bot.core.ports import PlatformError

log = logging.getLogger(__name__)

CHANNEL_LOST = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
"""Errors meaning the bot cannot post in the channel until someone fixes its access."""

PERMANENT = CHANNEL_LOST | {"restricted_action", "missing_scope", "msg_too_long", "invalid_blocks"}

QUESTION_EVENT = "qotd_question"
"""The metadata event type of question posts; its payload's ``key`` is the claim's key."""

HISTORY_PAGE_SIZE = 200
HISTORY_PAGES = 5
"""How much channel history ``find_question`` reads at most (top-level messages only)."""


SENDS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "files.completeUploadExternal",
        "files.upload",
    }
)
"""Methods that post something: a repeat of one Slack accepted would show it twice."""


class UnlessSent(AsyncRetryHandler):
    """A retry handler that never repeats a send: a 5xx or a dropped connection may follow
    Slack's acceptance of the message (a proxy's 503), and Slack has no idempotent send."""

    def __init__(self, inner: AsyncRetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rsplit("/", 1)[-1] in SENDS:
            return False
        return await self.inner._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def web_client(token: str, base_url: str, *, retries: int = 3) -> AsyncWebClient:
    """An AsyncWebClient that retries 429s (after Retry-After), and 5xx and dropped
    connections of everything but sends.

    Question posts and their history lookups bypass these retries (``SlackPlatform`` makes
    them without): the core retries those itself, looking the key up before any re-send.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            UnlessSent(AsyncServerErrorRetryHandler(max_retry_count=retries)),
            UnlessSent(AsyncConnectionErrorRetryHandler(max_retry_count=retries)),
        ],
    )


def without_retries(client: AsyncWebClient) -> AsyncWebClient:
    """The same client (token, URL, session) with no retry handlers of its own."""
    bare = copy.copy(client)
    bare.retry_handlers = []
    return bare


def platform_error(method: str, exc: Exception) -> PlatformError:
    """A Slack failure as the core's PlatformError (permanent when retrying cannot help).

    It is ``unsent`` when Slack refused the call (429) or the connection was never made.
    """
    if not isinstance(exc, SlackApiError):
        refused = isinstance(exc, aiohttp.ClientConnectorError)
        return PlatformError(f"Slack {method} failed: {exc!r}", unsent=refused)
    code = str(exc.response.get("error", "")) or f"HTTP {exc.response.status_code}"
    retry_after: float | None = None
    if exc.response.status_code == 429:
        headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
        value = headers.get("retry-after") or 1
        retry_after = float(value[0] if isinstance(value, list) else value)
    return PlatformError(
        f"Slack {method}: {code}",
        permanent=code in PERMANENT,
        channel_lost=code in CHANNEL_LOST,
        retry_after=retry_after,
        unsent=exc.response.status_code == 429,
    )


def question_key(message: dict[str, Any]) -> str:
    """The key in a history message's question metadata ("" when it has none)."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != QUESTION_EVENT:
        return ""
    return str((metadata.get("event_payload") or {}).get("key", ""))


def error_code(exc: PlatformError) -> str:
    """The Slack error code inside a PlatformError made by ``platform_error``."""
    return str(exc).rsplit(": ", 1)[-1]


class SlackPlatform:
    """Implements the core's ChatPlatform with an AsyncWebClient."""

    def __init__(self, client: AsyncWebClient, members: Members | None = None) -> None:
        self.client = client
        self.members = members
        # Question posts and their lookups: the core retries them (with a lookup before any
        # re-send), so slack_sdk must not retry them as well.
        self.core_client = without_retries(client)
        self._bot_id: str | None = None
        self._bot_user_id = ""

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        """The question with its buttons; the thread is the message's own ``ts``.

        The key travels in the message's metadata (Slack has no idempotent send), where
        ``find_question`` looks for it. A lost channel is not reported here: the core pauses
        it (and tells the admins). The question itself is sent once: the core retries it.
        """
        first, *more = render.messages(reply)
        metadata = {"event_type": QUESTION_EVENT, "event_payload": {"key": key}}
        sent = await self._post(channel, reply, first, metadata=metadata, client=self.core_client)
        ts = str(sent["ts"])
        for extra in more:
            await self._post(channel, reply, extra, thread_ts=ts)
        return MessageRef(channel, ts, ts)

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        """This bot's top-level message since ``since`` whose metadata carries ``key``.

        Reads ``conversations.history`` (newest first, up to HISTORY_PAGES pages), asking for
        metadata, which Slack only returns with ``include_all_metadata``.
        """
        bot_id = await self._own_bot_id()
        page: Any = {}
        try:
            async for page in paging.pages(
                self.core_client.conversations_history,
                most=HISTORY_PAGES,
                channel=channel.channel,
                oldest=f"{since.timestamp():.6f}",
                limit=HISTORY_PAGE_SIZE,
                include_all_metadata=True,
            ):
                for message in page.get("messages") or []:
                    if message.get("bot_id") == bot_id and question_key(message) == key:
                        ts = str(message["ts"])
                        return MessageRef(channel, ts, ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise platform_error("conversations.history", exc) from exc
        if paging.next_cursor(page) is not None:
            log.warning(
                "no question with key %s in the last %d pages of %s", key, HISTORY_PAGES, channel
            )
        return None

    async def _own_bot_id(self) -> str:
        if self._bot_id is None:
            auth = await self._call("auth.test")
            self._bot_id = str(auth.get("bot_id") or "")
            self._bot_user_id = str(auth.get("user_id") or "")
        return self._bot_id

    async def thread_messages(self, thread: MessageRef, after: str, limit: int) -> ThreadPage:
        """Members' replies in a question thread newer than ``after`` (a ``ts``), oldest
        first, from at most ``limit`` read (``conversations.replies``, cursor-paged)."""
        await self._own_bot_id()
        try:
            return await threads.read_thread(
                self.client, self.members, thread, after, limit, self._bot_user_id
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise platform_error("conversations.replies", exc) from exc

    async def post_message(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        """A plain channel message (the weekly recap), its charts uploaded under it."""
        ts = ""
        for part in render.messages(reply):
            sent = await self._post(channel, reply, part)
            ts = ts or str(sent["ts"])
        await self.upload(channel.channel, reply.attachments)
        return MessageRef(channel, ts, ts)

    async def upload(self, channel_id: str, paths: Sequence[str], thread_ts: str = "") -> None:
        """Upload files (PNG charts) into a channel or DM with Slack's external upload flow."""
        for path in paths:
            try:
                await self.client.files_upload_v2(
                    channel=channel_id,
                    file=path,
                    filename=Path(path).name,
                    thread_ts=thread_ts or None,
                )
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                raise platform_error("files.uploadV2", exc) from exc

    async def upload_privately(self, user: UserRef, paths: Sequence[str]) -> None:
        """Files only ``user`` sees: uploaded to their DM with the bot (ephemerals have none)."""
        if not paths:
            return
        opened = await self._call("conversations.open", users=user.user_id)
        await self.upload(str(opened["channel"]["id"]), paths)

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        """Visible replies in the thread of ``thread`` (a long reply as several messages)."""
        thread_ts = thread.thread_id or thread.message_id
        ts = ""
        for part in render.messages(reply):
            sent = await self._post(thread.channel, reply, part, thread_ts=thread_ts)
            ts = str(sent["ts"])
        return MessageRef(thread.channel, ts, thread_ts)

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """An ephemeral message only ``user`` sees, in the thread when one is given.

        In a DM with the bot a plain message is already private (and, unlike an ephemeral,
        stays in the history).
        """
        if channel.channel.startswith("D"):
            for part in render.messages(reply):
                await self._post(channel, reply, part)
            return
        extra: dict[str, Any] = {"user": user.user_id}
        if thread is not None and thread.thread_id:
            extra["thread_ts"] = thread.thread_id
        for part in render.messages(reply):
            await self._call(
                "chat.postEphemeral",
                channel=channel.channel,
                blocks=part,
                text=render.fallback(reply),
                **extra,
            )

    async def react(self, message: MessageRef, emoji: str) -> None:
        """A reaction by its Slack name (the core's neutral names are Slack's)."""
        try:
            await self._call(
                "reactions.add",
                channel=message.channel.channel,
                timestamp=message.message_id,
                name=emoji,
            )
        except PlatformError as exc:
            if error_code(exc) == "already_reacted":
                return
            raise

    async def _post(
        self,
        channel: ChannelRef,
        reply: Reply,
        blocks: list[render.Block],
        thread_ts: str = "",
        metadata: dict[str, Any] | None = None,
        client: AsyncWebClient | None = None,
    ) -> AsyncSlackResponse:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        if metadata:
            extra["metadata"] = metadata
        return await self._call(
            "chat.postMessage",
            client=client,
            channel=channel.channel,
            blocks=blocks,
            text=render.fallback(reply),
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )

    async def _call(
        self, method: str, client: AsyncWebClient | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        try:
            return await (client or self.client).api_call(method, json=kwargs)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise platform_error(method, exc) from exc
