"""Discord on a par with Slack: suggest in a modal, the moderation queue's buttons, Reject's
reason in a modal, charts as files, channel stats; against the fake Discord."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.discord.refs import channel_ref
from bot.app import Knowledge
from bot.core.model import Reply
from tests.conftest import asking_lora
from tests.discord.fake_discord import (
    ADMIN_ID,
    ADMIN_PERMISSIONS,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MEMBER_PERMISSIONS,
    Bot,
    FakeDiscord,
    fake_discord,
    running_bot,
)
from tests.discord.test_discord_flow import GOOD_ANSWER, post_daily

CHANNEL = channel_ref(CHANNEL_ID, GUILD_ID)
MODAL = 9


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qotd.db'}"


def callbacks(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [c.body for c in fake.calls if "/callback" in c.path]


def shown(body: dict[str, Any]) -> str:
    data = body.get("data") or body
    return " ".join(
        str(e.get("title", "")) + " " + str(e.get("description", ""))
        for e in data.get("embeds", [])
    )


async def submit(bot: Bot, modal: dict[str, Any], values: dict[str, str], user_id: int) -> None:
    """Submit the modal the bot opened, with a value per input."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]}
        for name, value in values.items()
    ]
    permissions = ADMIN_PERMISSIONS if user_id == ADMIN_ID else MEMBER_PERMISSIONS
    data = {"custom_id": modal["data"]["custom_id"], "components": rows}
    await bot.fake.dispatch(
        "INTERACTION_CREATE", bot.interaction(5, data, user_id=user_id, permissions=permissions)
    )


async def test_suggest_opens_a_modal_and_the_queue_rejects_with_a_reason_from_a_modal(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.slash("qotd", "suggest")
        await bot.until(lambda: callbacks(fake))
        [opened] = callbacks(fake)
        assert opened["type"] == MODAL
        inputs = [r["components"][0]["custom_id"] for r in opened["data"]["components"]]
        assert inputs == ["question", "answer", "topic"]
        await submit(
            bot,
            opened,
            {
                "question": "What is speculative decoding?",
                "answer": "A draft proposes.",
                "topic": "decoding",
            },
            MEMBER_ID,
        )
        await bot.until(lambda: len(callbacks(fake)) == 2)
        assert "moderation queue as #1" in shown(callbacks(fake)[1])

        await bot.slash(
            "qotd-admin", "suggestions", user_id=ADMIN_ID, permissions=ADMIN_PERMISSIONS
        )
        await bot.until(lambda: len(callbacks(fake)) == 3)
        queue = callbacks(fake)[2]["data"]
        assert "What is speculative decoding?" in shown(queue)
        assert "/qotd-admin approve 1" in shown(queue)  # spelled as Discord members type it
        buttons = [c["custom_id"] for row in queue["components"] for c in row["components"]]
        assert buttons == ["qotd:approve_suggestion:1", "qotd:reject_suggestion:1"]

        message = fake.message(str(CHANNEL_ID), {"components": queue["components"]})
        await bot.click(
            "qotd:reject_suggestion:1", message, user_id=ADMIN_ID, permissions=ADMIN_PERMISSIONS
        )
        await bot.until(lambda: len(callbacks(fake)) == 4)
        asked = callbacks(fake)[3]
        assert asked["type"] == MODAL
        assert [r["components"][0]["custom_id"] for r in asked["data"]["components"]] == ["reason"]
        await submit(bot, asked, {"reason": "we already have one on drafts"}, ADMIN_ID)
        await bot.until(lambda: len(callbacks(fake)) == 5)
        assert "Suggestion #1 rejected; I told its author." in shown(callbacks(fake)[4])
        dms = fake.at("POST", "/channels/500000000000000001/messages")
        assert any("was not accepted: we already have one on drafts" in shown(d.body) for d in dms)


async def test_stats_chart_comes_as_a_file_and_channel_stats_are_shown(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        await bot.say(question["id"], GOOD_ANSWER)
        await bot.until(lambda: fake.at("POST", "/channels/500000000000000001/messages"))
        await bot.slash("qotd", "stats", [{"name": "view", "type": 3, "value": "chart"}])
        await bot.until(lambda: callbacks(fake))
        [chart] = [c for c in fake.calls if "/callback" in c.path]
        assert "1 answered" in shown(chart.body)
        assert len(chart.files) == 1 and chart.files[0].endswith(".png")
        await bot.slash("qotd", "stats", [{"name": "view", "type": 3, "value": "channel"}])
        await bot.until(lambda: len(callbacks(fake)) == 2)
        assert "Channel stats" in shown(callbacks(fake)[1])


async def test_the_weekly_recap_is_a_channel_message_with_its_chart_attached(
    knowledge: Knowledge, database: str, tmp_path: Path
) -> None:
    chart = tmp_path / "recap.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n")
    recap = Reply(title="Weekly recap", text="3 members answered.", attachments=(str(chart),))
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.client.platform.post_message(CHANNEL, recap)
        [sent] = fake.at("POST", f"/channels/{CHANNEL_ID}/messages")
        assert sent.body["embeds"][0]["title"] == "Weekly recap"
        assert sent.files == ("recap.png",)
