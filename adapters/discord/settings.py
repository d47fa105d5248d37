"""Discord-only settings (``DISCORD_*`` environment variables), built at run time."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.model import Scope

DISCORD_API = "https://discord.com/api/v10"


class DiscordSettings(BaseSettings):
    """How the bot connects to Discord and registers its commands."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_", env_file=".env", extra="ignore")

    api_base: str = Field(
        DISCORD_API,
        description="REST base URL (a proxy, or a fake in tests); the gateway address then comes "
        "from its /gateway/bot.",
    )
    guild_id: int | None = Field(
        None, description="Development: sync commands to this server only (instant)."
    )
    sync_commands: bool = Field(True, description="Register the slash commands at start-up.")
    sharded: bool = Field(False, description="Use AutoShardedClient (bots in 2,500+ servers).")
    shard_count: int | None = Field(
        None,
        ge=1,
        description="Shards of the whole bot, split between instances with DISCORD_SHARD_IDS.",
    )
    shard_ids: str = Field(
        "",
        description="Comma-separated shards this instance runs (e.g. 0,1 of DISCORD_SHARD_COUNT"
        "=4): it receives their guilds' events and posts only in their channels.",
    )
    message_content: bool = Field(
        True,
        description="Request the Message Content intent (needed to grade answers typed in "
        "threads; without it members use the Check my answer button).",
    )
    ping_role_id: int | None = Field(
        None, description="Role mentioned by scheduled posts (opt-in); unset pings nobody."
    )

    @model_validator(mode="after")
    def _shards_of_the_count(self) -> DiscordSettings:
        ids = self.shard_id_list
        if ids and self.shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (all shards of the bot)")
        if self.shard_count is not None and any(i >= self.shard_count for i in ids):
            raise ValueError(
                f"DISCORD_SHARD_IDS must be between 0 and {self.shard_count - 1} "
                f"(DISCORD_SHARD_COUNT={self.shard_count}), got {self.shard_ids!r}"
            )
        return self

    @property
    def shard_id_list(self) -> tuple[int, ...]:
        """The shards of DISCORD_SHARD_IDS (empty: all of them)."""
        try:
            return tuple(sorted({int(p) for p in self.shard_ids.split(",") if p.strip()}))
        except ValueError:
            raise ValueError(
                f"DISCORD_SHARD_IDS must be shard numbers such as 0,1, got {self.shard_ids!r}"
            ) from None

    def scope(self) -> Scope:
        """The channels this instance posts in: Discord's, of its shards' guilds."""
        return Scope("discord", self.shard_count or 1, self.shard_id_list)

    @property
    def shard_options(self) -> dict[str, object]:
        """What discord.py's AutoShardedClient is told about shards (nothing: it decides)."""
        options: dict[str, object] = {}
        if self.shard_count is not None:
            options["shard_count"] = self.shard_count
        if self.shard_id_list:
            options["shard_ids"] = list(self.shard_id_list)
        return options

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"DISCORD_API_BASE must be an http(s) URL such as {DISCORD_API}, got {value!r}"
            )
        return value.rstrip("/")
