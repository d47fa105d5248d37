"""The Slack app end to end over HTTP: signed requests in, Web API calls out (as users see them)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.app import Knowledge
from tests.conftest import lora_item
from tests.slack.conftest import ADA, ADMIN, BOB, GENERAL, Harness
from tests.slack.fake_slack import BOT_USER, Canned

pytestmark = pytest.mark.asyncio(loop_scope="session")

LORA_ANSWER = (
    "LoRA freezes the pretrained weights and trains small low-rank matrices added to the "
    "layers, so fine-tuning needs little memory. QLoRA additionally quantizes the frozen base "
    "model to 4-bit so even very large models fit on a single GPU."
)


def texts(body: dict[str, Any]) -> str:
    """Every text a Slack user would read in a message body (blocks and fallback)."""
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found = [str(body.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(found)


async def post_question(h: Harness) -> str:
    """Run the daily slot of #general (``lora_harness`` asks LoRA); returns the question's ts."""
    await h.bot.service.run_daily(GENERAL)
    post = h.bot.service.store.latest_post(GENERAL)
    assert post is not None and post.message is not None
    return post.message.message_id


def thread_reply(user: str, text: str, ts: str, thread_ts: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": GENERAL.channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        **extra,
    }


async def test_daily_question_is_a_block_kit_post_whose_thread_gets_the_reveal(
    harness: Harness,
) -> None:
    question_ts = await post_question(harness)
    [post] = harness.fake.called("chat.postMessage")
    assert post["channel"] == GENERAL.channel and "thread_ts" not in post
    kinds = [b["type"] for b in post["blocks"]]
    assert kinds == ["header", "section", "context", "context", "actions"]
    assert post["blocks"][0]["text"]["text"] == "Question of the day"
    assert "*Topic:*" in post["blocks"][2]["elements"][0]["text"]
    assert "*Difficulty:*" in post["blocks"][2]["elements"][0]["text"]
    buttons = {e["action_id"]: e["text"]["text"] for e in post["blocks"][-1]["elements"]}
    assert buttons["explain_related"] == "Explain a related topic"
    assert "<!" not in texts(post)  # scheduled posts ping nobody

    status, _ = await harness.slack.click(
        "reveal", "x", ADMIN, GENERAL.channel, question_ts, harness.response_url()
    )
    assert status == 200
    reveal = harness.fake.called("chat.postMessage")[-1]
    assert reveal["thread_ts"] == question_ts
    assert reveal["blocks"][0]["text"]["text"] == "Answer revealed"
    assert "Wrap-up" in texts(reveal)
    [ack] = harness.fake.called("respond/1")
    assert ack["response_type"] == "ephemeral" and "Revealed" in texts(ack)


async def test_answer_in_the_thread_gets_a_reaction_and_ephemeral_key_point_feedback(
    lora_harness: Harness, knowledge: Knowledge
) -> None:
    harness = lora_harness
    question_ts = await post_question(harness)
    event = thread_reply(ADA, LORA_ANSWER, "1764000001.000200", question_ts)
    status, _ = await harness.slack.event(event, "Ev-answer-1")
    assert status == 200
    [reaction] = harness.fake.called("reactions.add")
    assert reaction["name"] == "white_check_mark"
    assert reaction["timestamp"] == "1764000001.000200" and reaction["channel"] == GENERAL.channel
    [feedback] = harness.fake.called("chat.postEphemeral")
    assert feedback["user"] == ADA and feedback["thread_ts"] == question_ts
    shown = texts(feedback)
    assert "*Score:" in shown and "*Covered*" in shown
    item = knowledge.bank.by_id[lora_item(knowledge)]
    assert item.answer[:80] not in shown  # the reference answer stays hidden until reveal
    assert len(harness.fake.called("chat.postMessage")) == 1  # nothing public in the thread


async def test_mention_in_a_channel_is_explained_once_and_privately(harness: Harness) -> None:
    text = f"<@{BOT_USER}> explain lora"
    base = {"channel": GENERAL.channel, "user": BOB, "text": text, "ts": "1764000002.000100"}
    # Slack sends the same message twice: as message.channels and as app_mention.
    await harness.slack.event({"type": "message", "channel_type": "channel", **base}, "Ev-m1")
    await harness.slack.event({"type": "app_mention", **base}, "Ev-m2")
    [answer] = harness.fake.called("chat.postEphemeral")
    assert answer["user"] == BOB and answer["channel"] == GENERAL.channel
    assert "lora" in texts(answer).lower() and "*Related*" in texts(answer)


async def test_explain_in_a_dm_is_answered_in_the_dm(harness: Harness) -> None:
    event = {
        "type": "message",
        "channel": "D0ADA",
        "channel_type": "im",
        "user": ADA,
        "text": "explain kv cache",
        "ts": "1764000003.000100",
    }
    await harness.slack.event(event, "Ev-dm")
    [answer] = harness.fake.called("chat.postMessage")
    assert answer["channel"] == "D0ADA"
    assert "cache" in texts(answer).lower()
    assert harness.fake.called("chat.postEphemeral") == []


async def test_slash_explain_answers_ephemerally_with_block_kit(harness: Harness) -> None:
    status, _ = await harness.slack.command(
        "explain lora", BOB, GENERAL.channel, harness.response_url()
    )
    assert status == 200
    [answer] = harness.fake.called("respond/1")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["blocks"][0]["type"] == "header"
    assert "lora" in answer["blocks"][0]["text"]["text"].lower()


async def test_slash_explain_with_share_is_posted_in_the_channel(harness: Harness) -> None:
    await harness.slack.command(
        "explain lora --share", BOB, GENERAL.channel, harness.response_url()
    )
    [answer] = harness.fake.called("respond/1")
    assert answer["response_type"] == "in_channel"


async def test_retried_event_is_processed_once(lora_harness: Harness, knowledge: Knowledge) -> None:
    harness = lora_harness
    question_ts = await post_question(harness)
    event = thread_reply(ADA, LORA_ANSWER, "1764000004.000100", question_ts)
    await harness.slack.event(event, "Ev-retried")
    status, _ = await harness.slack.event(
        event, "Ev-retried", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    )
    assert status == 200
    assert len(harness.fake.called("reactions.add")) == 1
    assert len(harness.fake.called("chat.postEphemeral")) == 1


async def test_bad_signature_and_stale_timestamp_are_rejected(harness: Harness) -> None:
    event = {
        "type": "app_mention",
        "channel": GENERAL.channel,
        "user": BOB,
        "text": f"<@{BOT_USER}> explain lora",
        "ts": "1764000005.000100",
    }
    forged, _ = await harness.slack.event(event, "Ev-forged", secret="not-the-secret")
    stale, _ = await harness.slack.event(event, "Ev-stale", timestamp=int(time.time()) - 6 * 60)
    assert (forged, stale) == (401, 401)
    assert [c.method for c in harness.fake.calls] == []


async def test_non_admin_is_refused_a_settings_command(harness: Harness) -> None:
    before = harness.bot.service.store.get_schedule(GENERAL)
    await harness.slack.command(
        "schedule 10:30 Europe/Paris", BOB, GENERAL.channel, harness.response_url()
    )
    [refusal] = harness.fake.called("respond/1")
    assert refusal["response_type"] == "ephemeral" and "Only admins" in texts(refusal)
    assert "/qotd schedule" in texts(refusal)  # Slack's command, not the core's /schedule
    assert harness.bot.service.store.get_schedule(GENERAL) == before
    [lookup] = harness.fake.called("users.info")
    assert lookup["user"] == BOB


async def test_workspace_admin_changes_the_schedule(harness: Harness) -> None:
    await harness.slack.command(
        "schedule 10:30 Europe/Paris", ADMIN, GENERAL.channel, harness.response_url()
    )
    [done] = harness.fake.called("respond/1")
    assert "Schedule updated" in texts(done)
    schedule = harness.bot.service.store.get_schedule(GENERAL)
    assert schedule is not None and (schedule.hour, schedule.minute) == (10, 30)


async def test_rate_limited_post_is_retried_after_retry_after(harness: Harness) -> None:
    harness.fake.fail_next(
        "chat.postMessage",
        Canned(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}),
    )
    await harness.bot.service.run_daily(GENERAL)
    assert len(harness.fake.called("chat.postMessage")) == 2
    post = harness.bot.service.store.latest_post(GENERAL)
    assert post is not None and post.message is not None


async def test_channel_mention_in_member_text_never_pings(harness: Harness) -> None:
    await harness.slack.command(
        "stats <!channel> <!here> <@U0BOB>", ADA, GENERAL.channel, harness.response_url()
    )
    [reply] = harness.fake.called("respond/1")
    shown = texts(reply)
    assert "&lt;!channel&gt;" in shown
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0BOB>" not in shown


async def test_bot_messages_edits_and_joins_are_ignored(
    lora_harness: Harness, knowledge: Knowledge
) -> None:
    harness = lora_harness
    question_ts = await post_question(harness)
    events = [
        thread_reply("U0OTHERBOT", LORA_ANSWER, "1764000006.1", question_ts, bot_id="B0OTHER"),
        thread_reply(ADA, LORA_ANSWER, "1764000006.2", question_ts, subtype="message_changed"),
        thread_reply(ADA, "", "1764000006.3", question_ts, subtype="channel_join"),
    ]
    for n, event in enumerate(events):
        assert (await harness.slack.event(event, f"Ev-ignored-{n}"))[0] == 200
    assert harness.fake.called("reactions.add") == []
    assert harness.fake.called("chat.postEphemeral") == []


async def test_button_explain_related_answers_the_clicker_privately(
    lora_harness: Harness, knowledge: Knowledge
) -> None:
    harness = lora_harness
    item_id = lora_item(knowledge)
    question_ts = await post_question(harness)
    await harness.slack.click(
        "explain_related", item_id, BOB, GENERAL.channel, question_ts, harness.response_url()
    )
    [answer] = harness.fake.called("respond/1")
    assert answer["response_type"] == "ephemeral" and answer["blocks"][0]["type"] == "header"


async def test_non_admin_clicking_skip_is_refused(harness: Harness) -> None:
    question_ts = await post_question(harness)
    await harness.slack.click(
        "skip", "x", BOB, GENERAL.channel, question_ts, harness.response_url()
    )
    [refusal] = harness.fake.called("respond/1")
    assert "Only admins" in texts(refusal)
    assert len(harness.fake.called("chat.postMessage")) == 1


async def test_slack_server_error_is_retried(lora_harness: Harness, knowledge: Knowledge) -> None:
    harness = lora_harness
    question_ts = await post_question(harness)
    harness.fake.fail_next("reactions.add", Canned(503, {"ok": False, "error": "fatal_error"}))
    await harness.slack.event(
        thread_reply(ADA, LORA_ANSWER, "1764000030.000100", question_ts), "Ev-5xx"
    )
    assert len(harness.fake.called("reactions.add")) == 2  # the 503, then the retry
    assert len(harness.fake.called("chat.postEphemeral")) == 1
