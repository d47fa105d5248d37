"""A fake Slack on 127.0.0.1: Web API, response_url webhooks and a Socket Mode websocket.

It records every call (method and body) so tests assert on what a Slack user would see, and
signs requests to the bot exactly as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "UQOTDBOT"
TEAM = "T0001"
MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yml"
SCOPES = ",".join(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
"""What the shipped manifest grants: the fake refuses a method it does not cover."""

METHOD_SCOPES: dict[str, frozenset[str]] = {
    method: frozenset(scopes.split())
    for method, scopes in {
        "chat.postMessage": "chat:write",
        "chat.postEphemeral": "chat:write",
        "chat.update": "chat:write",
        "chat.delete": "chat:write",
        "reactions.add": "reactions:write",
        "users.info": "users:read",
        "conversations.info": "channels:read groups:read im:read mpim:read",
        "users.conversations": "channels:read groups:read im:read mpim:read",
        "conversations.history": "channels:history groups:history im:history mpim:history",
        "conversations.open": "im:write mpim:write channels:manage groups:write",
        "files.getUploadURLExternal": "files:write",
        "files.completeUploadExternal": "files:write",
        "files.upload": "files:write",
    }.items()
}
"""The bot token scopes Slack's documentation lists per method (any one of them suffices)."""


@dataclass
class Call:
    """One request that reached the fake."""

    method: str
    body: dict[str, Any]


@dataclass
class Canned:
    """A response served once instead of the default (an error, a 429 …)."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """The Web API at ``{url}api/``, response URLs at ``{url}respond/N``, a websocket."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.canned: dict[str, list[Canned]] = {}
        self.after_acting: dict[str, list[Canned]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.scopes = SCOPES
        self.channel_info: dict[str, Any] = {"is_member": True, "is_private": False}
        self.memberships: dict[str, list[str]] = {}
        """user id -> the channel ids users.conversations lists for them."""
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.replies: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """Thread replies by (channel, thread_ts), oldest first."""
        self.envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.acks: list[dict[str, Any]] = []
        self._ts = itertools.count(100)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{n}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner:
            await self._runner.cleanup()

    # ----- what tests read ------------------------------------------------------------
    def called(self, method: str) -> list[dict[str, Any]]:
        """Bodies of every call of ``method``, in order."""
        return [c.body for c in self.calls if c.method == method]

    def fail_next(self, method: str, *responses: Canned) -> None:
        """Serve these responses to the next calls of ``method``."""
        self.canned.setdefault(method, []).extend(responses)

    def accept_then_answer(self, method: str, *responses: Canned) -> None:
        """Carry out the next calls of ``method`` (a post lands in the history), then answer
        them with these responses instead of success, as a proxy's 503 would."""
        self.after_acting.setdefault(method, []).extend(responses)

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The top-level messages the bot posted in ``channel`` (its history, oldest first)."""
        return [m for m in self.history.get(channel, []) if m.get("bot_id") == "BQOTD"]

    def remember(self, channel: str, message: dict[str, Any]) -> None:
        """Add a top-level message to the channel's history."""
        self.history.setdefault(channel, []).append(message)

    def reply(
        self, channel: str, thread_ts: str, user: str, text: str, **extra: Any
    ) -> dict[str, Any]:
        """Someone replies in a thread (no event is sent): kept as conversations.replies
        returns it. ``extra`` adds fields such as ``bot_id`` or ``subtype``."""
        message = {
            "type": "message",
            "user": user,
            "text": text,
            "team": TEAM,
            "ts": f"1764000000.000{next(self._ts)}",
            "thread_ts": thread_ts,
            "parent_user_id": BOT_USER,
            **extra,
        }
        self.replies.setdefault((channel, thread_ts), []).append(message)
        return message

    @staticmethod
    def bot_message(body: dict[str, Any], ts: str, bot_id: str = "BQOTD") -> dict[str, Any]:
        """A ``chat.postMessage`` body as conversations.history returns it afterwards."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER if bot_id == "BQOTD" else "U0OTHERBOT",
            "bot_id": bot_id,
            "app_id": "AQOTD" if bot_id == "BQOTD" else "AOTHER",
            "text": body.get("text", ""),
            "blocks": body.get("blocks", []),
            "team": TEAM,
            "ts": ts,
        }
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        return message

    # ----- handlers -------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body.update(await request.json())
        elif request.can_read_body:
            body.update(dict(await request.post()))
        self.calls.append(Call(method, body))
        refused = self._missing_scope(method)
        if refused is not None:
            return web.json_response(refused)
        queued = self.canned.get(method)
        if queued:
            canned = queued.pop(0)
            return web.json_response(canned.body, status=canned.status, headers=canned.headers)
        answer = self._answer(method, body)
        after = self.after_acting.get(method)
        if after:
            canned = after.pop(0)
            return web.json_response(canned.body, status=canned.status, headers=canned.headers)
        return web.json_response(answer, headers=self._headers(method))

    def _missing_scope(self, method: str) -> dict[str, Any] | None:
        """Slack's answer to a method the token has no scope for (HTTP 200, ok false)."""
        needed = METHOD_SCOPES.get(method)
        granted = {s.strip() for s in self.scopes.split(",")}
        if needed is None or needed & granted:
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": ",".join(sorted(needed)),
            "provided": self.scopes,
        }

    def _headers(self, method: str) -> dict[str, str]:
        return {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "user": "qotd",
                "team": "Acme",
                "team_id": TEAM,
                "bot_id": "BQOTD",
            }
        if method == "chat.postMessage":
            ts = f"1764000000.000{next(self._ts)}"
            channel, thread_ts = str(body.get("channel")), str(body.get("thread_ts") or "")
            if thread_ts:
                message = {**self.bot_message(body, ts), "thread_ts": thread_ts}
                self.replies.setdefault((channel, thread_ts), []).append(message)
            else:
                self.remember(channel, self.bot_message(body, ts))
            return {"ok": True, "channel": body.get("channel"), "ts": ts}
        if method == "conversations.history":
            return self._history(body)
        if method == "conversations.replies":
            return self._replies(body)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1764000000.000{next(self._ts)}"}
        if method == "users.info":
            user = self.users.get(
                str(body.get("user")), {"id": body.get("user"), "name": "someone"}
            )
            return {"ok": True, "user": user}
        if method == "conversations.info":
            channel = {"id": body.get("channel"), "name": "general", **self.channel_info}
            return {"ok": True, "channel": channel}
        if method == "users.conversations":
            return self._memberships(body)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{body.get('users')}"}}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"{self.url.replace('http', 'ws', 1)}socket"}
        return {"ok": True}

    def _memberships(self, query: dict[str, Any]) -> dict[str, Any]:
        """users.conversations: the channels ``memberships`` gives the user, paged by
        ``limit``/``cursor`` as the documented method does."""
        channels = self.memberships.get(str(query.get("user")), [])
        start = int(query.get("cursor") or 0)
        limit = int(query.get("limit") or 100)
        more = start + limit < len(channels)
        return {
            "ok": True,
            "channels": [{"id": c, "is_member": True} for c in channels[start : start + limit]],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _history(self, query: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first from ``oldest``, paged by ``limit``/``cursor``;
        metadata only with ``include_all_metadata``, as the documented method does."""
        oldest = float(query.get("oldest") or 0)
        newest_first = [
            m
            for m in reversed(self.history.get(str(query.get("channel")), []))
            if float(m["ts"]) > oldest
        ]
        start = int(query.get("cursor") or 0)
        limit = int(query.get("limit") or 100)
        page = newest_first[start : start + limit]
        if str(query.get("include_all_metadata")) not in ("1", "true", "True"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(newest_first)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _replies(self, query: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the parent message first on every page, then the replies
        newer than ``oldest`` (exclusive unless ``inclusive``), oldest first, paged by
        ``limit``/``cursor`` as the documented method does."""
        channel, ts = str(query.get("channel")), str(query.get("ts"))
        parent = next((m for m in self.history.get(channel, []) if m["ts"] == ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        oldest = float(query.get("oldest") or 0)
        inclusive = str(query.get("inclusive")) in ("1", "true", "True")
        newer = [
            m
            for m in self.replies.get((channel, ts), [])
            if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)
        ]
        start = int(query.get("cursor") or 0)
        limit = int(query.get("limit") or 1000)
        page = newer[start : start + limit]
        more = start + limit < len(newer)
        thread = {
            **parent,
            "thread_ts": ts,
            "reply_count": len(self.replies.get((channel, ts), [])),
        }
        return {
            "ok": True,
            "messages": [thread, *page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call(f"respond/{request.match_info['n']}", await request.json()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def read() -> None:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))

        reader = asyncio.create_task(read())
        try:
            while not reader.done():
                getter = asyncio.ensure_future(self.envelopes.get())
                await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    break
                await ws.send_json(getter.result())
        finally:
            reader.cancel()
        return ws


TRIGGERS = itertools.count(1)


def trigger_id() -> str:
    """A fresh ``trigger_id``: Slack gives each interaction its own."""
    return f"{int(time.time())}.{next(TRIGGERS)}.0f3a9c"


class Signer:
    """Sends requests to the bot's /slack/events signed the way Slack signs them."""

    def __init__(self, url: str, secret: str = SECRET) -> None:
        self.url = url
        self._verifier = SignatureVerifier(secret)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST ``body`` with Slack's signature headers; returns status and response text."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(secret) if secret else self._verifier
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
            **(headers or {}),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=signed) as response,
        ):
            return response.status, await response.text()

    async def event(self, event: dict[str, Any], event_id: str, **kw: Any) -> tuple[int, str]:
        """An Events API envelope around ``event``."""
        envelope = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "AQOTD",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
        return await self.post(json.dumps(envelope), "application/json", **kw)

    async def command(
        self,
        text: str,
        user: str,
        channel: str,
        response_url: str,
        trigger: str | None = None,
        **kw: Any,
    ) -> tuple[int, str]:
        """A form-encoded ``/qotd`` slash command (``trigger``: its trigger_id, else new)."""
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/qotd",
            "text": text,
            "api_app_id": "AQOTD",
            "response_url": response_url,
            "trigger_id": trigger or trigger_id(),
        }
        return await self.post(
            urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kw
        )

    async def click(
        self, action: str, value: str, user: str, channel: str, message_ts: str, response_url: str
    ) -> tuple[int, str]:
        """A ``block_actions`` payload for a button on a message."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "AQOTD",
            "token": "legacy",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "trigger_id": trigger_id(),
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "ts": message_ts, "text": "question"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action,
                    "block_id": "qotd_actions",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")
