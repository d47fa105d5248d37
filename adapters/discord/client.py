"""The discord.py client: intents, command tree, persistent buttons; starts the app once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord import commands, endpoint, refs
from adapters.discord.bridge import Bridge
from adapters.discord.platform import NO_PINGS, DiscordPlatform
from adapters.discord.settings import DISCORD_API, DiscordSettings
from adapters.discord.views import QotdButton
from bot.core.model import ChannelRef

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def intents(settings: DiscordSettings) -> discord.Intents:
    """Only what the bot uses: guilds, messages (threads and DMs), and optionally content."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = settings.message_content
    return wanted


class QotdClient(discord.Client):
    """The bot. Build it, ``bootstrap`` the app on ``client.platform``, then ``attach`` it."""

    def __init__(self, settings: DiscordSettings, **options: Any) -> None:
        super().__init__(
            intents=intents(settings),
            allowed_mentions=NO_PINGS,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.settings = settings
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self)
        self.platform = DiscordPlatform(self, ping_role_id=settings.ping_role_id)
        self._bridge: Bridge | None = None
        self.qotd_app: App | None = None

    @property
    def qotd(self) -> Bridge:
        """The bridge to the core (buttons and modals find it here)."""
        if self._bridge is None:
            raise RuntimeError("QotdClient.attach(app) was not called")
        return self._bridge

    def attach(self, app: App) -> None:
        """Connect the app (its service) and register the slash commands."""
        self.qotd_app = app
        self._bridge = Bridge(self, app.service)
        commands.register(self.tree, self._bridge)

    async def login(self, token: str) -> None:
        """Log in against the configured API (Discord's own unless DISCORD_API_BASE is set)."""
        endpoint.use_api_base(self.settings.api_base)
        await super().login(token)

    async def setup_hook(self) -> None:
        """Once per process (not per reconnect): buttons, the app (scheduler, ops), commands."""
        if self.settings.api_base != DISCORD_API:
            await endpoint.use_gateway_of(self.http)
        self.add_dynamic_items(QotdButton)
        if self.qotd_app is not None:
            await self.qotd_app.start()
        if self.settings.sync_commands:
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register the commands: in one server (instant, for development) or globally."""
        try:
            if self.settings.guild_id:
                guild = discord.Object(self.settings.guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild.id)
            else:
                synced = await self.tree.sync()
                log.info("synced %d global commands (may take up to an hour)", len(synced))
        except discord.Forbidden:
            log.error(
                "Discord refused to register the slash commands: re-invite the bot with the "
                "`applications.commands` scope (see the README, section Discord)."
            )

    async def on_ready(self) -> None:
        """Log and catch up: this fires again on every reconnect with a new session."""
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.catch_up()

    async def on_resumed(self) -> None:
        """A resumed session: Discord replays what it kept, but catch up all the same."""
        self.catch_up()

    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard reconnected with a new session (sharded bots get no second on_ready)."""
        self.catch_up()

    def catch_up(self) -> None:
        """Grade, in the background, answers posted in open threads while the gateway was
        down (Discord does not redeliver missed events); runs coalesce, never overlap."""
        if not self.settings.message_content:
            return  # without the intent, thread messages have no text to grade
        self.qotd.service.catch_up_answers(refs.PLATFORM, self._serves)

    def _serves(self, channel: ChannelRef) -> bool:
        return bool(channel.workspace.isdigit() and self.get_guild(int(channel.workspace)))

    async def on_message(self, message: discord.Message) -> None:
        """Members' messages go to the core (answers in threads, mentions, DMs)."""
        await self.qotd.on_message(message)

    async def close(self) -> None:
        """Stop the app (scheduler, catch-up, ops endpoints), then disconnect."""
        if self.qotd_app is not None:
            await self.qotd_app.stop()
        await super().close()


class QotdShardedClient(QotdClient, discord.AutoShardedClient):
    """The same bot on AutoShardedClient, for large bots (``DISCORD_SHARDED=true``)."""


def create_client(settings: DiscordSettings, **options: Any) -> QotdClient:
    """The client class the settings ask for (``options`` go to discord.py)."""
    if settings.sharded or settings.shard_count is not None:
        return QotdShardedClient(settings, **settings.shard_options, **options)
    return QotdClient(settings, **options)
