"""A test-only qotd process: the real app (``bootstrap``), store and scheduler; no model, no chat
server.

``python -m tests.reliability.botproc post DB_URL RECORDER_URL NAME`` runs the scheduler and
posts due questions to the HTTP recorder of the multi-instance test, once a line arrives on
stdin (so that several instances start together). ``… answers DB_URL NAME``
serves ``POST /event`` (a message as a platform would deliver it) and answers 200 once the
service has handled it: the acknowledgement of the crash test. Either runs until killed.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot.app import App, Knowledge, bootstrap
from bot.content.bank import Bank
from bot.core.daily import RetryPolicy
from bot.core.model import (
    ChannelRef,
    Grade,
    IncomingMessage,
    Item,
    MessageRef,
    Reply,
    UserRef,
)
from bot.core.retrieval import ExplainResult
from bot.settings import Settings
from tests.core.items import small_bank
from tests.fakes.hash_embedder import HashEmbedder

CLAIM_TIMEOUT = timedelta(seconds=2)
TICK_SECONDS = 0.5


class FakeSearcher:
    """Explain without a model: never a match."""

    def search(self, query: str, k: int = 3) -> ExplainResult:
        return ExplainResult(query=query, matches=(), abstained=True, nearest_topics=())


class FakeGrader:
    """Grades every answer 50/100 covering the first key point (deterministic, no model)."""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        return Grade(item.id, 50, item.key_points[:1], item.key_points[1:], attempt=True)


class RecorderPlatform:
    """Posts questions to the recorder over HTTP; everything else is dropped."""

    def __init__(self, url: str, name: str) -> None:
        self._url, self._name = url, name
        self._http: ClientSession | None = None

    def _session(self) -> ClientSession:
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=10))
        return self._http

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        body = {
            "channel": channel.channel,
            "instance": self._name,
            "title": reply.title,
            "key": key,
        }
        async with self._session().post(f"{self._url}/post", json=body) as response:
            if response.status != 200:
                raise ConnectionError(f"recorder answered {response.status}")
            data: dict[str, Any] = await response.json()
        ref = str(data["message_id"])
        return MessageRef(channel, ref, ref)

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        query = {"channel": channel.channel, "key": key, "instance": self._name}
        async with self._session().get(f"{self._url}/find", params=query) as response:
            if response.status != 200:
                raise ConnectionError(f"recorder answered {response.status}")
            data: dict[str, Any] = await response.json()
        if not data.get("message_id"):
            return None
        ref = str(data["message_id"])
        return MessageRef(channel, ref, ref)

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        return thread

    async def post_message(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        return MessageRef(channel, "recap", "recap")

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        return None

    async def react(self, message: MessageRef, emoji: str) -> None:
        return None


def fake_knowledge(items: Sequence[Item] | None = None) -> Knowledge:
    """The small bank (or ``items``) with a fake searcher and grader: no model."""
    return Knowledge(
        Bank(tuple(items or small_bank(12))), HashEmbedder(), FakeSearcher(), FakeGrader(), 0.0
    )


def build(db_url: str, name: str, platform: Any) -> App:
    """The app as the runners build it (``bootstrap``), with the small bank and no model."""
    settings = Settings(
        _env_file=None, database_url=db_url, instance_id=name, rate_limit_per_minute=0
    )
    return bootstrap(
        settings,
        platform,
        fake_knowledge(),
        tick_seconds=TICK_SECONDS,
        claim_timeout=CLAIM_TIMEOUT,
        retry=RetryPolicy(attempts=2, base_seconds=0.05),
    )


async def run_poster(db_url: str, recorder: str, name: str) -> None:
    app = build(db_url, name, RecorderPlatform(recorder, name))
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # "GO": every instance starts at once
    await app.start()
    await app.service.catch_up_missed()
    await asyncio.Event().wait()


def message_of(data: dict[str, Any]) -> IncomingMessage:
    """The IncomingMessage of an ``/event`` body."""
    channel = ChannelRef("test", "w", str(data["channel"]))
    return IncomingMessage(
        channel=channel,
        user=UserRef("test", str(data["user"]), str(data["user"])),
        text=str(data["text"]),
        message=MessageRef(channel, str(data["message_id"]), str(data["thread"])),
        thread=MessageRef(channel, str(data["thread"]), str(data["thread"])),
    )


async def run_answers(db_url: str, name: str) -> None:
    service = build(db_url, name, RecorderPlatform("http://127.0.0.1:9", name)).service

    async def event(request: web.Request) -> web.Response:
        await service.on_message(message_of(await request.json()))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/event", event)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"READY {port}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "post":
        asyncio.run(run_poster(*args))
    elif mode == "answers":
        asyncio.run(run_answers(*args))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
