"""``qotd run discord``: validate the token, load the knowledge, bootstrap the app, connect."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import discord
from pydantic import ValidationError

from adapters.discord.client import QotdClient, create_client
from adapters.discord.settings import DiscordSettings
from bot.app import Knowledge, bootstrap, configure_logging, load_knowledge
from bot.settings import Settings

PORTAL = "https://discord.com/developers/applications"
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


def validate_token(raw: str | None) -> str:
    """The bot token, or a ValueError saying which variable is wrong and where to get it."""
    where = f"Developer Portal ({PORTAL}) → your application → Bot → Reset Token"
    if not raw or not raw.strip():
        raise ValueError(f"DISCORD_TOKEN is not set. Copy the bot token from the {where}.")
    token = raw.strip().strip("'\"")
    if token.lower().startswith("bot "):
        raise ValueError("DISCORD_TOKEN starts with 'Bot ': set only the token itself.")
    if not TOKEN_SHAPE.match(token) or not _names_a_bot(token):
        raise ValueError(
            "DISCORD_TOKEN doesn't look like a bot token (three dot-separated parts, the first "
            f"being the bot's id). Copy it again from the {where}; the client secret and the "
            "public key are not the token."
        )
    return token


def _names_a_bot(token: str) -> bool:
    head = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return decoded.isdigit()


def discord_settings() -> DiscordSettings:
    """The DISCORD_* settings, with a clear message when one is malformed."""
    try:
        return DiscordSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"DISCORD_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"Invalid Discord configuration: {problems}") from exc


def build(
    settings: Settings, dsettings: DiscordSettings, knowledge: Knowledge, **options: Any
) -> QotdClient:
    """The client attached to the app ``bootstrap`` builds on it (also used by tests); its
    scheduled work is this instance's shards' channels. Close ``client.qotd_app`` when done."""
    client = create_client(dsettings, **options)
    client.attach(bootstrap(settings, client.platform, knowledge, scope=dsettings.scope()))
    return client


def run(settings: Settings, http: bool = False, **_: Any) -> None:
    """Run the Discord bot until interrupted (``http`` is Slack-only and ignored)."""
    token = validate_token(
        settings.discord_token.get_secret_value() if settings.discord_token else None
    )
    dsettings = discord_settings()
    configure_logging(settings)
    knowledge = load_knowledge(settings, background=True)
    client = build(settings, dsettings, knowledge)
    try:
        client.run(token, log_handler=None)
    except discord.LoginFailure as exc:
        raise ValueError(
            f"Discord rejected DISCORD_TOKEN ({exc}). Reset it in the Developer Portal "
            f"({PORTAL}) → Bot, and update the variable."
        ) from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise ValueError(
            "Discord refused the Message Content intent. Enable it in the Developer Portal → "
            "Bot → Privileged Gateway Intents, or set DISCORD_MESSAGE_CONTENT=false (members "
            "then answer with the Check my answer button)."
        ) from exc
    finally:
        if client.qotd_app is not None:
            client.qotd_app.close()
