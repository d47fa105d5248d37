"""A fake Discord (REST API + gateway websocket) on 127.0.0.1 for the real discord.py client.

Everything that depends on discord.py's private internals or on Discord's wire format for tests
lives here. Payload shapes follow https://discord.com/developers/docs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import yarl
from aiohttp import WSMsgType, web

from adapters.discord.client import QotdClient
from adapters.discord.runner import build
from adapters.discord.settings import DISCORD_API, DiscordSettings
from bot.app import Knowledge
from bot.settings import Settings

BOT_ID = 900000000000000001
APP_ID = BOT_ID
GUILD_ID = 800000000000000001
CHANNEL_ID = 700000000000000001
ADMIN_ID = 600000000000000001
MEMBER_ID = 600000000000000002
TIMESTAMP = "2026-11-24T10:00:00.000000+00:00"
MESSAGE_CONTENT_FLAG = 1 << 19
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    add_reactions=True,
    read_message_history=True,
)
MEMBER_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True)


@dataclass
class Call:
    """One REST request that reached the fake."""

    method: str
    path: str
    body: Any
    query: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    """Names of the files uploaded with it (multipart requests)."""


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


def member(user_id: int, name: str, permissions: discord.Permissions) -> dict[str, Any]:
    return {
        "user": user(user_id, name),
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions.value),
    }


def text_channel(channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "interview-prep",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def guild() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str(MEMBER_PERMISSIONS.value),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": str(GUILD_ID),
        "name": "ML study group",
        "owner_id": str(ADMIN_ID),
        "roles": [everyone],
        "channels": [text_channel()],
        "threads": [],
        "members": [],
        "member_count": 3,
        "features": [],
        "emojis": [],
        "stickers": [],
        "unavailable": False,
        "large": False,
        "joined_at": TIMESTAMP,
        "verification_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


class FakeDiscord:
    """Serves the REST calls the bot makes and a gateway that pushes the events a test sends."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.channels: dict[str, dict[str, Any]] = {str(CHANNEL_ID): text_channel()}
        self.dms_closed = False
        self.messages: dict[str, dict[str, Any]] = {}
        self._last_id = 0
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.query: dict[str, str] = {}
        self.resumable = True
        """Whether a RESUME after a dropped connection is accepted (else: identify again)."""
        self.identified = 0

    # ----- server ---------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def next_id(self) -> str:
        """A snowflake of the current time (history's ``after`` compares them with dates)."""
        self._last_id = max(discord.utils.time_snowflake(discord.utils.utcnow()), self._last_id + 1)
        return str(self._last_id)

    # ----- REST -----------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body: Any = None
        files: list[str] = []
        if request.content_type.startswith("multipart/"):
            # discord.py sends files as multipart: the JSON body in payload_json, then files.
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, aiohttp.BodyPartReader)
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(part.filename or "")
                    await part.read()
        elif request.can_read_body:
            body = await request.json()
        self.calls.append(Call(request.method, path, body, dict(request.query), tuple(files)))
        self.query = dict(request.query)
        status, payload = self._answer(request.method, path.split("/")[1:], body)
        if payload is None:
            return web.Response(status=status)
        # discord.py only parses JSON when Content-Type is exactly application/json.
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    def _answer(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        match method, parts:
            case "GET", ["users", "@me"]:
                return 200, user(BOT_ID, "qotd", bot=True)
            case "GET", ["oauth2", "applications", "@me"]:
                return 200, self._app_info()
            case "GET", ["gateway", "bot"]:
                return 200, {
                    "url": f"ws://127.0.0.1:{self.port}/gateway",
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            case "PUT", ["applications", _, "guilds", _, "commands"] | [
                "applications",
                _,
                "commands",
            ]:
                return 200, [
                    {**c, "id": self.next_id(), "application_id": str(APP_ID), "version": "1"}
                    for c in body
                ]
            case "GET", ["channels", channel_id] if channel_id in self.channels:
                return 200, self.channels[channel_id]
            case "GET", ["channels", channel_id, "messages"]:
                return 200, self._history(channel_id, self.query)
            case "POST", ["channels", channel_id, "messages"]:
                if channel_id not in self.channels:
                    return 404, {"code": 10003, "message": "Unknown Channel"}
                return 200, self.message(channel_id, body)
            case "POST", ["channels", channel_id, "messages", message_id, "threads"]:
                thread = self._thread(channel_id, message_id, body["name"])
                self.channels[message_id] = thread
                return 201, thread
            case "PUT", ["channels", _, "messages", _, "reactions", _, "@me"]:
                return 204, None
            case "POST", ["users", "@me", "channels"]:
                dm_id = "500000000000000001"
                self.channels.setdefault(dm_id, {"id": dm_id, "type": 1, "recipients": []})
                return 200, {
                    "id": dm_id,
                    "type": 1,
                    "recipients": [user(int(body["recipient_id"]), "m")],
                }
            case "POST", ["interactions", interaction_id, _, "callback"]:
                return 200, {"interaction": {"id": interaction_id, "type": 2}}
            case "POST", ["webhooks", _, _]:
                return 200, self.message("0", body)
            case "PATCH", ["webhooks", _, _, "messages", "@original"]:
                return 200, self.message("0", body)
        return 404, {"code": 0, "message": "not faked"}

    def message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if channel_id.startswith("5") and self.dms_closed:
            raise web.HTTPForbidden(
                text=json.dumps({"code": 50007, "message": "Cannot send messages to this user"}),
                content_type="application/json",
            )
        message = {
            "id": self.next_id(),
            "channel_id": channel_id,
            "author": user(BOT_ID, "qotd", bot=True),
            "content": body.get("content") or "",
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "type": 0,
            "flags": body.get("flags", 0),
        }
        self.messages[message["id"]] = message
        return message

    def member_message(
        self, channel_id: str, content: str, *, user_id: int = MEMBER_ID, bot: bool = False
    ) -> dict[str, Any]:
        """A message someone posts in a channel or thread, kept in its history as a REST
        message object (no ``member``, no ``guild_id``); no gateway event is sent for it."""
        message = {
            "id": self.next_id(),
            "channel_id": channel_id,
            "author": user(user_id, "Ada" if user_id == MEMBER_ID else "Other", bot=bot),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content,
            "mentions": [user(BOT_ID, "qotd", bot=True)] if f"<@{BOT_ID}>" in content else [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        self.messages[message["id"]] = message
        return message

    def _history(self, channel_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """GET /channels/{id}/messages: newest first; with ``after``, the ``limit`` messages
        right after it. A message a thread was started from carries that ``thread``."""
        found = sorted(
            (m for m in self.messages.values() if m["channel_id"] == channel_id),
            key=lambda m: int(m["id"]),
        )
        limit = int(query.get("limit", 50))
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])][:limit]
        else:
            found = found[-limit:]
        return [
            {**m, "thread": self.channels[m["id"]]} if m["id"] in self.channels else m
            for m in reversed(found)
        ]

    def _thread(self, channel_id: str, message_id: str, name: str) -> dict[str, Any]:
        return {
            "id": message_id,
            "type": 11,
            "guild_id": str(GUILD_ID),
            "parent_id": channel_id,
            "owner_id": str(BOT_ID),
            "name": name,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
        }

    def _app_info(self) -> dict[str, Any]:
        return {
            "id": str(APP_ID),
            "name": "qotd",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user(ADMIN_ID, "owner"),
            "verify_key": "0" * 64,
            "flags": MESSAGE_CONTENT_FLAG,
        }

    # ----- gateway --------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11})
            elif data["op"] == 2:
                self.identified += 1
                await self._send(ws, "READY", self._ready())
                await self._send(ws, "GUILD_CREATE", guild())
            elif data["op"] == 6 and self.resumable:
                await self._send(ws, "RESUMED", {})
            elif data["op"] == 6:
                await ws.send_json({"op": 9, "d": False})  # invalid session: identify again
        return ws

    async def drop(self) -> None:
        """Close the gateway connection, as a network blip or a Discord restart does."""
        for ws in self._sockets:
            await ws.close()
        self._sockets.clear()

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": user(BOT_ID, "qotd", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": str(APP_ID), "flags": MESSAGE_CONTENT_FLAG},
        }

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push a gateway event to the connected bot."""
        await self._send(self._sockets[-1], event, data)

    # ----- assertions -----------------------------------------------------------------
    def at(self, method: str, path: str) -> list[Call]:
        """Calls of ``method`` on exactly ``path``, in the order made."""
        return [c for c in self.calls if c.method == method and c.path == path]

    def responses(self) -> list[dict[str, Any]]:
        """Bodies of interaction responses and follow-ups (what members saw)."""
        bodies = []
        for c in self.calls:
            if c.path.startswith("/interactions/") and c.body:
                bodies.append(c.body.get("data") or {})
            elif c.path.startswith("/webhooks/") and c.body:
                bodies.append(c.body)
        return bodies


@dataclass
class Bot:
    """A running bot connected to the fake."""

    client: QotdClient
    fake: FakeDiscord
    task: asyncio.Task[None]
    interaction_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(300000000000000001)
    )

    async def until(self, condition: Callable[[], Any], within: float = 15.0) -> None:
        """Wait until ``condition()`` holds (failing early if the client task died)."""
        try:
            async with asyncio.timeout(within):
                while not condition():
                    if self.task.done():
                        raise AssertionError(f"client stopped: {self.task.exception()!r}")
                    await asyncio.sleep(0.02)
        except TimeoutError:
            raise AssertionError(f"timed out; last REST calls: {self.fake.calls[-5:]!r}") from None

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int,
        permissions: discord.Permissions,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(next(self.interaction_ids)),
            "application_id": str(APP_ID),
            "type": kind,
            "token": "interaction-token",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": text_channel(),
            "member": member(user_id, "Ada" if user_id == MEMBER_ID else "Admin", permissions),
            "app_permissions": str(BOT_PERMISSIONS.value),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 10485760,
            "data": data,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(
        self,
        group: str,
        sub: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: int = MEMBER_ID,
        permissions: discord.Permissions = MEMBER_PERMISSIONS,
        autocomplete: bool = False,
    ) -> None:
        """A member runs ``/group sub`` (type 2), or types into an option (type 4)."""
        data = {
            "id": "400000000000000001",
            "name": group,
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": options or []}],
        }
        kind = 4 if autocomplete else 2
        await self.fake.dispatch(
            "INTERACTION_CREATE",
            self.interaction(kind, data, user_id=user_id, permissions=permissions),
        )

    async def click(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        user_id: int = MEMBER_ID,
        permissions: discord.Permissions = MEMBER_PERMISSIONS,
    ) -> None:
        """A member clicks a button on ``message``."""
        data = {"custom_id": custom_id, "component_type": 2}
        await self.fake.dispatch(
            "INTERACTION_CREATE",
            self.interaction(3, data, user_id=user_id, permissions=permissions, message=message),
        )

    async def submit_modal(
        self, custom_id: str, input_id: str, value: str, message: dict[str, Any]
    ) -> None:
        """A member submits a modal with one text input."""
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": input_id, "value": value}]}
            ],
        }
        await self.fake.dispatch(
            "INTERACTION_CREATE",
            self.interaction(
                5, data, user_id=MEMBER_ID, permissions=MEMBER_PERMISSIONS, message=message
            ),
        )

    async def say(
        self, channel_id: str, content: str, *, user_id: int = MEMBER_ID, mention_bot: bool = False
    ) -> str:
        """A member posts ``content`` in a channel or thread (kept in its history, as Discord
        does, and pushed to the bot); returns the message id."""
        message = self.fake.member_message(channel_id, content, user_id=user_id)
        message["mentions"] = [user(BOT_ID, "qotd", bot=True)] if mention_bot else []
        await self.fake.dispatch(
            "MESSAGE_CREATE",
            {
                **message,
                "guild_id": str(GUILD_ID),
                "member": {
                    k: v
                    for k, v in member(user_id, "Ada", MEMBER_PERMISSIONS).items()
                    if k not in ("user", "permissions")
                },
            },
        )
        return str(message["id"])


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, knowledge: Knowledge, database: str, **overrides: Any
) -> AsyncIterator[Bot]:
    """The real client, logged in through the fake API and connected to its gateway."""
    settings = Settings(_env_file=None, database_url=database)
    dsettings = DiscordSettings(
        _env_file=None, api_base=fake.api_base, guild_id=GUILD_ID, **overrides
    )
    client = build(settings, dsettings, knowledge, guild_ready_timeout=0.05)
    task = asyncio.create_task(client.start("fake.bot.token"))
    bot = Bot(client, fake, task)
    try:
        await bot.until(client.is_ready)
        yield bot
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        if client.qotd_app is not None:
            client.qotd_app.close()
        discord.http.Route.BASE = DISCORD_API
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("wss://gateway.discord.gg/")


@asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
