"""Slack-only settings (environment variables ``SLACK_*``); built at run time, never on import."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"


class SlackSettings(BaseSettings):
    """How the bot reaches Slack; the bot and app tokens live in the core ``Settings``."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    signing_secret: SecretStr | None = Field(
        None, description="Verifies requests in --http mode (Basic Information → App Credentials)."
    )
    api_url: str = Field(
        SLACK_API, description="Web API base URL: Slack's own, a proxy, or a fake in tests."
    )
    host: str = Field("0.0.0.0", description="--http mode: address to listen on.")
    port: int = Field(3000, ge=1, le=65535, description="--http mode: port to listen on.")
    admin_cache_seconds: int = Field(
        300, ge=0, description="How long a member's users.info (name, admin flag) is reused."
    )

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"SLACK_API_URL must be an http(s) URL such as {SLACK_API}")
        return value.rstrip("/") + "/"
