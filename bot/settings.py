"""Configuration from the environment and `.env` (pydantic-settings); built in main() or a test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url

from bot.embeddings import DEFAULT_MODEL


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: show none of it
        return "<unparsable database URL>"


class Settings(BaseSettings):
    """Every setting qotd reads; environment variables are prefixed ``QOTD_`` unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="QOTD_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        "sqlite:///.qotd/qotd.db",
        description="SQLAlchemy URL; SQLite by default, e.g. postgresql+psycopg://… later.",
    )
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: the bundled all-MiniLM-L6-v2, or a sentence-transformers "
        "model name (already cached) or local path.",
    )
    bank_dir: Path | None = Field(
        None, description="Question bank directory (default: content/bank)."
    )
    cache_dir: Path = Field(Path(".qotd/cache"), description="Embedding cache directory.")
    admins: str = Field("", description="Comma-separated user ids allowed to change settings.")
    log_level: str = Field("WARNING", description="Python logging level.")
    console_user: str = Field("you", description="Display name of the console member.")

    instance_id: str = Field(
        "", description="Name of this instance in claims and logs (default: hostname:pid)."
    )
    claim_timeout_seconds: int = Field(
        300,
        ge=30,
        description="A post claimed by an instance that recorded no message for this long "
        "(it died mid-post) is taken over by another instance.",
    )
    inbox_lease_seconds: int = Field(
        60,
        ge=5,
        description="An event acknowledged but left unprocessed this long (its instance died) "
        "is processed by another instance; a restarted instance with the same "
        "QOTD_INSTANCE_ID takes its own at once.",
    )
    post_retries: int = Field(
        4, ge=1, le=10, description="Attempts at a post when the platform fails transiently."
    )
    rate_limit_per_minute: int = Field(
        10, ge=0, description="Explain/grade requests a member may make per minute (0: no limit)."
    )
    post_rate_per_second: float = Field(
        0.0,
        ge=0,
        description="Scheduled messages (questions, reveals, hints) the bot sends per second "
        "on its platform at most, split between the platform's live instances (3 instances "
        "with 45 send 15/s each, and 22.5 each when one stops); 0 for no pacing beyond the "
        "platform library's own. Set it below the platform's limit (Discord: 50/s global).",
    )
    heartbeat_seconds: int = Field(
        10,
        ge=1,
        le=300,
        description="How often an instance records that it is alive; one silent for 4 "
        "heartbeats is dead: the others take its share of the post rate and the due work of "
        "its Discord shards.",
    )
    http_port: int | None = Field(
        None, ge=0, le=65535, description="Serve /healthz and /metrics on this port (off if unset)."
    )
    http_host: str = Field("0.0.0.0", description="Address the /healthz and /metrics server binds.")

    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "QOTD_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "QOTD_SLACK_APP_TOKEN")
    )
    discord_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DISCORD_TOKEN", "QOTD_DISCORD_TOKEN")
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("QOTD_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def admin_ids(self) -> frozenset[str]:
        """The configured admin user ids."""
        return frozenset(a.strip() for a in self.admins.split(",") if a.strip())

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Secrets print as '**********' already; the database URL may carry a password too.
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "database_url" else value

    def service_options(self) -> dict[str, Any]:
        """The reliability settings as keyword arguments of ``QotdService``."""
        from bot.core.daily import RetryPolicy

        return {
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "claim_timeout": timedelta(seconds=self.claim_timeout_seconds),
            "retry": RetryPolicy(attempts=self.post_retries),
            "post_rate": self.post_rate_per_second,
            "heartbeat": timedelta(seconds=self.heartbeat_seconds),
            "inbox_lease": timedelta(seconds=self.inbox_lease_seconds),
        }
