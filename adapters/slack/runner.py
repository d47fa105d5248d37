"""``qotd run slack [--http]``: validate tokens, load the knowledge, connect, run until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr, ValidationError
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from adapters.slack.bot import SlackBot
from adapters.slack.platform import web_client
from adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.app import configure_logging, load_knowledge
from bot.settings import Settings
from bot.storage.inbox_store import SqlInbox
from bot.storage.sql_store import SqlStore

log = logging.getLogger(__name__)

APPS = "https://api.slack.com/apps"


def _value(secret: SecretStr | None) -> str:
    return secret.get_secret_value().strip().strip("'\"") if secret else ""


def validate_bot_token(raw: SecretStr | None) -> str:
    """The bot token (``xoxb-``), or a ValueError saying what is wrong and where to get it."""
    where = (
        f"{APPS} → your app → OAuth & Permissions → Bot User OAuth Token (install the app first)"
    )
    token = _value(raw)
    if not token:
        raise ValueError(f"SLACK_BOT_TOKEN is not set. Copy it from {where}.")
    if not token.startswith("xoxb-"):
        kind = "a user token (xoxp-)" if token.startswith("xoxp-") else "not a bot token"
        if token.startswith("xapp-"):
            kind = "the app-level token (that one goes in SLACK_APP_TOKEN)"
        raise ValueError(
            f"SLACK_BOT_TOKEN is {kind}; it must start with xoxb-. Copy it from {where}."
        )
    return token


def validate_app_token(raw: SecretStr | None) -> str:
    """The app-level token (``xapp-``) Socket Mode needs, or a ValueError explaining it."""
    where = (
        f"{APPS} → your app → Basic Information → App-Level Tokens → Generate Token and Scopes "
        "(scope connections:write)"
    )
    token = _value(raw)
    if not token:
        raise ValueError(
            f"SLACK_APP_TOKEN is not set; Socket Mode needs it. Create one at {where}, or run "
            "`qotd run slack --http` with SLACK_SIGNING_SECRET instead."
        )
    if not token.startswith("xapp-"):
        raise ValueError(f"SLACK_APP_TOKEN must start with xapp-. Create one at {where}.")
    return token


def validate_signing_secret(raw: SecretStr | None) -> str:
    """The signing secret --http mode verifies requests with, or a ValueError explaining it."""
    where = f"{APPS} → your app → Basic Information → App Credentials → Signing Secret"
    secret = _value(raw)
    if not secret:
        raise ValueError(
            f"SLACK_SIGNING_SECRET is not set; --http mode needs it. Copy it from {where}."
        )
    if secret.startswith(("xoxb-", "xapp-", "xoxp-")):
        raise ValueError(
            f"SLACK_SIGNING_SECRET holds a token, not the signing secret. Copy it from {where}."
        )
    return secret


def slack_settings() -> SlackSettings:
    """The SLACK_* settings, with a clear message when one is malformed."""
    try:
        return SlackSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SLACK_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"Invalid Slack configuration: {problems}") from exc


def run(settings: Settings, http: bool = False, **_: Any) -> None:
    """Run the Slack bot until interrupted: Socket Mode, or an HTTP server with ``http``."""
    bot_token = validate_bot_token(settings.slack_bot_token)
    ssettings = slack_settings()
    secret = validate_signing_secret(ssettings.signing_secret) if http else ""
    app_token = "" if http else validate_app_token(settings.slack_app_token)
    configure_logging(settings)
    # The database first: a bad one is reported at once, before the model starts loading.
    store = SqlStore(settings.database_url, instance=settings.instance_id)
    try:
        knowledge = load_knowledge(settings, background=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings, ssettings, bot_token, app_token, secret, knowledge, store))
    finally:
        store.close()


async def _serve(
    settings: Settings,
    ssettings: SlackSettings,
    bot_token: str,
    app_token: str,
    secret: str,
    knowledge: Any,
    store: SqlStore,
) -> None:
    client = web_client(bot_token, ssettings.api_url)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        raise ValueError(
            f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')}). Copy the Bot User "
            f"OAuth Token again from {APPS} → your app → OAuth & Permissions."
        ) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ValueError(
            f"Could not reach the Slack Web API at {ssettings.api_url} ({exc}). Check the network "
            "or proxy, or SLACK_API_URL if you set it."
        ) from exc
    bot = SlackBot(
        client,
        knowledge,
        store,
        SqlInbox(store.database, instance=store.instance),  # the store's database: one
        settings=settings,
        signing_secret=secret,
        admin_cache_seconds=ssettings.admin_cache_seconds,
        inbox_lease=timedelta(seconds=settings.inbox_lease_seconds),
    )
    log.warning("connected to Slack workspace %s as @%s", auth.get("team"), auth.get("user"))
    try:
        if secret:
            await serve_http(bot, ssettings.host, ssettings.port)
        else:
            await serve_socket_mode(bot, app_token)
    finally:
        await bot.qotd_app.stop()


async def serve_socket_mode(
    bot: SlackBot, app_token: str, stop: asyncio.Event | None = None
) -> None:
    """Socket Mode: connect (slack_sdk reconnects by itself, and the bot catches up after
    each reconnect), start the bot once, wait."""
    handler = AsyncSocketModeHandler(bot.app, app_token)
    handler.client.message_listeners.append(bot.on_socket_message)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await bot.start()
        await (stop or asyncio.Event()).wait()
    finally:
        bot.stop()
        await handler.close_async()  # type: ignore[no-untyped-call]


async def serve_http(
    bot: SlackBot, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Bolt's aiohttp endpoint at /slack/events (events, commands, interactivity), signed."""
    runner = web.AppRunner(bot.app.web_app(path=EVENTS_PATH, port=port))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.warning("listening on http://%s:%d%s", host, port, EVENTS_PATH)
    try:
        await bot.start()
        await (stop or asyncio.Event()).wait()
    finally:
        bot.stop()
        await runner.cleanup()
