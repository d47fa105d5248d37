"""The real discord.py client against a fake Discord: what members see for each use."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import views
from adapters.discord.refs import channel_ref
from bot.app import Knowledge
from bot.core.daily import question_key
from bot.core.model import Schedule
from tests.conftest import asking_lora
from tests.discord.fake_discord import (
    ADMIN_ID,
    ADMIN_PERMISSIONS,
    BOT_ID,
    CHANNEL_ID,
    GUILD_ID,
    Bot,
    FakeDiscord,
    fake_discord,
    running_bot,
)

CHANNEL = channel_ref(CHANNEL_ID, GUILD_ID)
ALWAYS_DUE = Schedule(hour=0, minute=0, timezone="UTC", weekdays=tuple(range(7)))
NO_PINGS: dict[str, list[str]] = {"parse": []}
EPHEMERAL = 64
GOOD_ANSWER = (
    "LoRA freezes the pretrained weights and trains small low-rank matrices added to the "
    "layers, so fine-tuning needs little memory. QLoRA additionally quantizes the frozen base "
    "model to 4-bit so even very large models fit on a single GPU."
)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qotd.db'}"


def lora_item(knowledge: Knowledge) -> str:
    for item in knowledge.bank.answered:
        if "qlora" in item.question.lower() and "lora" in item.question.lower():
            return item.id
    raise AssertionError("the bank has no LoRA vs QLoRA item")


async def post_daily(bot: Bot) -> dict[str, Any]:
    """Run the channel's scheduled slot; return the question message as the fake stored it."""
    service = bot.client.qotd.service
    service.store.set_schedule(CHANNEL, ALWAYS_DUE)
    await service.run_daily(CHANNEL)
    return next(
        m
        for m in bot.fake.messages.values()
        if m["channel_id"] == str(CHANNEL_ID) and m["components"]
    )


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


def interaction_bodies(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [c.body for c in fake.calls if c.path.startswith("/interactions/")]


async def test_daily_post_is_an_embed_with_persistent_buttons_and_a_thread_pinging_nobody(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        item = knowledge.bank.by_id[lora_item(knowledge)]
        [posted] = fake.at("POST", f"/channels/{CHANNEL_ID}/messages")
        [embed] = posted.body["embeds"]
        assert embed["title"] == "Question of the day" and embed["description"] == item.question
        assert {f["name"]: f["value"] for f in embed["fields"]}["Topic"] == item.topic
        assert posted.body["allowed_mentions"] == NO_PINGS and not posted.body.get("content")
        post = bot.client.qotd.service.store.latest_post(CHANNEL)
        assert post is not None
        token = views.key_token(question_key(post))
        assert posted.body["nonce"] == token and posted.body["enforce_nonce"] is True
        assert custom_ids(question) == [
            f"qotd:answer:{token}",
            f"qotd:explain_related:{item.id}",
            f"qotd:reveal:{item.id}",
            f"qotd:skip:{item.id}",
        ]
        [thread] = fake.at("POST", f"/channels/{CHANNEL_ID}/messages/{question['id']}/threads")
        assert thread.body["name"] == item.question[:100]
        assert post.message is not None
        assert post.message.message_id == post.message.thread_id == question["id"]


async def test_answer_in_the_thread_gets_a_check_reaction_and_feedback_by_dm(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        question = await post_daily(bot)
        answer_id = await bot.say(question["id"], GOOD_ANSWER)
        await bot.until(
            lambda: any(m["channel_id"].startswith("5") for m in fake.messages.values())
        )
        [reaction] = [c for c in fake.calls if c.method == "PUT" and "reactions" in c.path]
        assert reaction.path == f"/channels/{question['id']}/messages/{answer_id}/reactions/✅/@me"
        [dm] = [c for c in fake.calls if c.path == "/channels/500000000000000001/messages"]
        assert "Score:" in dm.body["embeds"][0]["description"]
        assert "Covered" in dm.body["embeds"][0]["description"]
        assert dm.body["allowed_mentions"] == NO_PINGS


async def test_feedback_falls_back_to_a_note_in_the_thread_when_dms_are_closed(
    knowledge: Knowledge, database: str
) -> None:
    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), database) as bot,
    ):
        fake.dms_closed = True
        question = await post_daily(bot)
        await bot.say(question["id"], GOOD_ANSWER)
        thread_path = f"/channels/{question['id']}/messages"
        await bot.until(lambda: fake.at("POST", thread_path))
        [note] = fake.at("POST", thread_path)
        assert "couldn't send you a direct message" in note.body["content"]
        assert "Score" not in str(note.body) and note.body["allowed_mentions"] == NO_PINGS


async def test_explain_command_answers_privately_with_the_reference_answer(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.slash("qotd", "explain", [{"name": "topic", "type": 3, "value": "lora"}])
        await bot.until(lambda: interaction_bodies(fake))
        [response] = interaction_bodies(fake)
        assert response["type"] == 4 and response["data"]["flags"] == EPHEMERAL
        assert "lora" in response["data"]["embeds"][0]["title"].lower()
        assert response["data"]["allowed_mentions"] == NO_PINGS


async def test_explain_autocomplete_offers_topics_and_questions(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        typed = [{"name": "topic", "type": 3, "value": "quant", "focused": True}]
        await bot.slash("qotd", "explain", typed, autocomplete=True)
        await bot.until(lambda: interaction_bodies(fake))
        [response] = interaction_bodies(fake)
        assert response["type"] == 8
        names = [c["name"] for c in response["data"]["choices"]]
        assert names[0] == "quantization"
        assert len(names) > 1 and all("quant" in n.lower() for n in names)


async def test_buttons_of_an_old_post_work_after_a_restart(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake:
        async with running_bot(fake, asking_lora(knowledge), database) as bot:
            question = await post_daily(bot)
        fake.calls.clear()
        async with running_bot(fake, asking_lora(knowledge), database) as restarted:
            await restarted.click(f"qotd:explain_related:{lora_item(knowledge)}", question)
            await restarted.until(lambda: interaction_bodies(fake))
            [response] = interaction_bodies(fake)
            assert response["type"] == 4 and response["data"]["flags"] == EPHEMERAL
            topic = knowledge.bank.by_id[lora_item(knowledge)].topic
            assert {"inline": True, "name": "Topic", "value": topic} in response["data"]["embeds"][
                0
            ]["fields"]

            await restarted.click(custom_ids(question)[0], question)  # "Check my answer"
            await restarted.until(lambda: len(interaction_bodies(fake)) == 2)
            modal = interaction_bodies(fake)[1]
            assert modal["type"] == 9
            [row] = modal["data"]["components"]
            input_id = row["components"][0]["custom_id"]
            await restarted.submit_modal(
                modal["data"]["custom_id"], input_id, GOOD_ANSWER, question
            )
            await restarted.until(lambda: fake.responses() and "Score" in str(fake.responses()[-1]))
            feedback = fake.responses()[-1]
            assert feedback["flags"] == EPHEMERAL and "Covered" in str(feedback["embeds"])


async def test_member_without_manage_server_is_refused_a_settings_command(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        [sync] = fake.at(
            "PUT", f"/applications/{bot.client.application_id}/guilds/{GUILD_ID}/commands"
        )
        admin_group = next(c for c in sync.body if c["name"] == "qotd-admin")
        assert int(admin_group["default_member_permissions"]) == 32  # Manage Server
        setting = [{"name": "settings", "type": 3, "value": "10:00 Europe/Paris"}]
        await bot.slash("qotd-admin", "schedule", setting)
        await bot.until(lambda: interaction_bodies(fake))
        refused = interaction_bodies(fake)[0]["data"]
        assert "Only admins" in str(refused["embeds"]) and refused["flags"] == EPHEMERAL
        assert bot.client.qotd.service.store.get_schedule(CHANNEL) in (None, Schedule())

        await bot.slash(
            "qotd-admin", "schedule", setting, user_id=ADMIN_ID, permissions=ADMIN_PERMISSIONS
        )
        await bot.until(lambda: len(interaction_bodies(fake)) == 2)
        assert "Schedule updated" in str(interaction_bodies(fake)[1]["data"]["embeds"])
        schedule = bot.client.qotd.service.store.get_schedule(CHANNEL)
        assert schedule is not None and schedule.timezone == "Europe/Paris"


async def test_everyone_in_member_text_pings_nobody(knowledge: Knowledge, database: str) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        question = await post_daily(bot)
        await bot.say(question["id"], "@everyone explain @everyone quantization <@&1> please")
        await bot.slash("qotd", "explain", [{"name": "topic", "type": 3, "value": "@here lora"}])

        def sent_now() -> list[Any]:
            calls = fake.calls
            sent = [c.body for c in calls if c.method == "POST" and c.path.endswith("/messages")]
            return sent + [b["data"] for b in interaction_bodies(fake)]

        # the question, the reply to the member's message and the slash command's answer
        # (the member's own message is in fake.messages at once: wait for the bot's sends)
        await bot.until(lambda: len(sent_now()) >= 3)
        sent = sent_now()
        assert len(sent) >= 3
        for body in sent:
            assert body["allowed_mentions"] == NO_PINGS
            assert "@everyone" not in str(body) and "@here" not in str(body)


async def test_doctor_lists_permissions_and_the_message_content_intent(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.slash("qotd-admin", "doctor", user_id=ADMIN_ID, permissions=ADMIN_PERMISSIONS)
        await bot.until(lambda: interaction_bodies(fake))
        text = interaction_bodies(fake)[0]["data"]["embeds"][0]["description"]
        assert "✅ **Create Public Threads**" in text and "✅ **Message Content intent**" in text
        assert "Nothing to fix" in text


async def test_a_deleted_channel_is_paused_with_a_log_line(
    knowledge: Knowledge, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        del fake.channels[str(CHANNEL_ID)]
        bot.client.qotd.service.store.set_schedule(CHANNEL, ALWAYS_DUE)
        # Whether the core then logs or re-raises the failure is its business.
        with contextlib.suppress(Exception):
            await bot.client.qotd.service.run_daily(CHANNEL)
        schedule = bot.client.qotd.service.store.get_schedule(CHANNEL)
        assert schedule is not None and schedule.paused
        assert "paused" in caplog.text and "Unknown Channel" in caplog.text


async def test_slow_work_is_deferred_then_followed_up(
    knowledge: Knowledge, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.discord.bridge.DEFER_AFTER_SECONDS", 0.0)
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.slash("qotd", "explain", [{"name": "topic", "type": 3, "value": "lora"}])
        followups = f"/webhooks/{bot.client.application_id}/interaction-token"
        await bot.until(lambda: fake.at("POST", followups))
        [deferred] = interaction_bodies(fake)
        assert deferred["type"] == 5 and deferred["data"]["flags"] == EPHEMERAL
        [followup] = fake.at("POST", followups)
        assert "lora" in followup.body["embeds"][0]["title"].lower()


async def test_mentioning_the_bot_with_explain_answers_by_dm(
    knowledge: Knowledge, database: str
) -> None:
    async with fake_discord() as fake, running_bot(fake, knowledge, database) as bot:
        await bot.say(str(CHANNEL_ID), f"<@{BOT_ID}> explain lora", mention_bot=True)
        dm_path = "/channels/500000000000000001/messages"
        await bot.until(lambda: fake.at("POST", dm_path))
        [dm] = fake.at("POST", dm_path)
        assert "lora" in dm.body["embeds"][0]["title"].lower()
        assert not fake.at("POST", f"/channels/{CHANNEL_ID}/messages")
