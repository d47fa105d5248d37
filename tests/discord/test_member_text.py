"""Member text through the real discord.py client: never a masked link the bot sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.app import Knowledge
from tests.discord.fake_discord import FakeDiscord, fake_discord, running_bot

PHISH = "[Claim your prize](https://evil.example/phish)"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'discord.db'}"


def interaction_bodies(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [c.body for c in fake.calls if "/callback" in c.path]


async def test_an_explain_of_a_markdown_link_answers_with_the_url_in_plain_sight(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.slash("qotd", "explain", [{"name": "topic", "type": 3, "value": PHISH}])
        await bot.until(lambda: interaction_bodies(fake))
        [response] = interaction_bodies(fake)
        embeds = json.dumps(response["data"]["embeds"], ensure_ascii=False)
        assert "](" not in embeds
        assert "[Claim your prize] (https://evil.example/phish)" in embeds
