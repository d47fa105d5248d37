"""Discord across processes: each instance runs its shards and posts only in their guilds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.discord.client import QotdShardedClient, create_client
from adapters.discord.settings import DiscordSettings
from bot.core.model import ChannelRef, Scope


def settings(**values: object) -> DiscordSettings:
    return DiscordSettings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_shard_settings_reach_discord_py_and_the_due_work_scope() -> None:
    chosen = settings(shard_count=4, shard_ids="3,1")
    client = create_client(chosen)  # never started: nothing to close
    assert isinstance(client, QotdShardedClient)
    assert client.shard_count == 4 and client.shard_ids == [1, 3]
    scope = chosen.scope()
    assert scope == Scope("discord", 4, (1, 3))
    guild_on_shard_1 = str((1 << 22) * 5 + 1)  # (id >> 22) % 4 == 1
    assert scope.serves(ChannelRef("discord", guild_on_shard_1, "42"))
    assert not scope.serves(ChannelRef("discord", str((2 << 22) * 1), "42"))
    assert not scope.serves(ChannelRef("slack", guild_on_shard_1, "C1"))


def test_without_shard_settings_one_instance_serves_every_discord_channel() -> None:
    assert settings().scope() == Scope("discord")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shard_ids": "0"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ({"shard_count": 2, "shard_ids": "2"}, "between 0 and 1"),
        ({"shard_count": 2, "shard_ids": "one"}, "shard numbers such as 0,1"),
    ],
)
def test_bad_shard_settings_say_what_to_set(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**values)
