"""Discord-only settings (``DISCORD_*`` environment variables), built at run time."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    message_content: bool = Field(
        True,
        description="Request the Message Content intent (needed to grade answers typed in "
        "threads; without it members use the Check my answer button).",
    )
    ping_role_id: int | None = Field(
        None, description="Role mentioned by scheduled posts (opt-in); unset pings nobody."
    )

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"DISCORD_API_BASE must be an http(s) URL such as {DISCORD_API}, got {value!r}"
            )
        return value.rstrip("/")
