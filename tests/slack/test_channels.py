"""Channels: joining registers one, losing one pauses it, doctor says what to fix."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.model import ChannelRef, UserRef
from bot.core.ports import PlatformError
from tests.slack.conftest import ADA, ADMIN, BOB, GENERAL, Harness
from tests.slack.fake_slack import BOT_USER, TEAM, Canned
from tests.slack.test_http_flow import post_question, texts

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_bot_invited_to_a_channel_registers_it_for_daily_questions(
    harness: Harness,
) -> None:
    event = {"type": "member_joined_channel", "user": BOT_USER, "channel": "C0NEW", "team": TEAM}
    await harness.slack.event(event, "Ev-join")
    schedule = harness.bot.service.store.get_schedule(ChannelRef("slack", TEAM, "C0NEW"))
    assert schedule is not None and not schedule.paused


async def test_channel_the_bot_was_removed_from_is_paused_with_a_log_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.fake.fail_next(
        "chat.postMessage", Canned(200, {"ok": False, "error": "not_in_channel"})
    )
    with caplog.at_level(logging.WARNING):
        await harness.bot.service.run_daily(GENERAL)
    assert len(harness.fake.called("chat.postMessage")) == 1  # not retried
    schedule = harness.bot.service.store.get_schedule(GENERAL)
    assert schedule is not None and schedule.paused
    assert any(
        "paused" in r.getMessage() and "not_in_channel" in r.getMessage() for r in caplog.records
    )


async def test_reveal_in_an_archived_channel_pauses_it(harness: Harness) -> None:
    ts = await post_question(harness)
    harness.fake.fail_next("chat.postMessage", Canned(200, {"ok": False, "error": "is_archived"}))
    await harness.slack.click("reveal", "x", "U0ADMIN", GENERAL.channel, ts, harness.response_url())
    schedule = harness.bot.service.store.get_schedule(GENERAL)
    assert schedule is not None and schedule.paused
    [reply] = harness.fake.called("respond/1")
    assert "refused" in texts(reply)


async def test_doctor_lists_what_is_missing_and_how_to_fix_it(harness: Harness) -> None:
    harness.fake.scopes = "chat:write,commands,users:read,groups:read"
    harness.fake.channel_info = {"is_member": False, "is_private": True}
    await harness.slack.command("doctor", BOB, GENERAL.channel, harness.response_url())
    [report] = harness.fake.called("respond/1")
    shown = texts(report)
    assert report["response_type"] == "ephemeral"
    assert "❌ *Scope `reactions:write`*" in shown and "Reinstall to Workspace" in shown
    assert "❌ *Scope `files:write`*" in shown and "❌ *Scope `im:write`*" in shown
    assert "❌ *Membership*" in shown and "`/invite @qotd`" in shown
    assert "`message.groups`" in shown  # a private channel needs message.groups for answers
    [info] = harness.fake.called("conversations.info")
    assert info["channel"] == GENERAL.channel


async def test_doctor_is_all_green_when_everything_is_in_place(harness: Harness) -> None:
    chatter = {
        "type": "message",
        "channel_type": "channel",
        "channel": GENERAL.channel,
        "user": ADA,
        "text": "morning all",
        "ts": "1764000020.000100",
    }
    await harness.slack.event(chatter, "Ev-chatter")
    await harness.slack.command("doctor", BOB, GENERAL.channel, harness.response_url())
    [report] = harness.fake.called("respond/1")
    shown = texts(report)
    assert "❌" not in shown and "⚠️" not in shown and "Nothing to fix" in shown


async def test_members_are_looked_up_once_while_cached(harness: Harness) -> None:
    for n in range(3):
        await harness.slack.command("help", BOB, GENERAL.channel, harness.response_url(n))
    assert len(harness.fake.called("users.info")) == 1


async def test_today_in_a_dm_posts_on_demand_but_no_daily_question_follows(
    harness: Harness,
) -> None:
    await harness.slack.command("today", ADA, "D0ADA", harness.response_url())
    [question] = harness.fake.called("chat.postMessage")
    assert question["channel"] == "D0ADA" and question["blocks"][0]["type"] == "header"
    schedule = harness.bot.service.store.get_schedule(ChannelRef("slack", TEAM, "D0ADA"))
    assert schedule is not None and schedule.paused


async def test_a_command_or_a_message_in_a_new_channel_never_registers_it(
    harness: Harness,
) -> None:
    elsewhere = ChannelRef("slack", TEAM, "C0ELSE")
    await harness.slack.command("help", ADA, elsewhere.channel, harness.response_url())
    chatter = {
        "type": "message",
        "channel_type": "channel",
        "channel": elsewhere.channel,
        "user": ADA,
        "text": "hello there",
        "ts": "1764000030.000100",
    }
    await harness.slack.event(chatter, "Ev-else")
    assert harness.bot.service.store.get_schedule(elsewhere) is None


async def test_today_in_an_unregistered_channel_posts_and_says_how_to_start_daily_questions(
    harness: Harness,
) -> None:
    await harness.slack.command("today", ADA, "C0ELSE", harness.response_url())
    [question] = harness.fake.called("chat.postMessage")
    assert question["channel"] == "C0ELSE"
    [reply] = harness.fake.called("respond/1")
    assert "`/qotd schedule resume`" in texts(reply)
    schedule = harness.bot.service.store.get_schedule(ChannelRef("slack", TEAM, "C0ELSE"))
    assert schedule is not None and schedule.paused


async def test_a_lost_channel_leaves_its_admins_one_notice_however_often_it_fails(
    harness: Harness,
) -> None:
    ts = await post_question(harness)
    gone = Canned(200, {"ok": False, "error": "channel_not_found"})
    harness.fake.fail_next("chat.postMessage", gone, gone)
    await harness.slack.click("reveal", "x", ADMIN, GENERAL.channel, ts, harness.response_url(1))
    await harness.slack.command("skip", ADMIN, GENERAL.channel, harness.response_url(2))
    shown = [texts(r) for n in (1, 2) for r in harness.fake.called(f"respond/{n}")]
    left = harness.bot.service.store.take_notices(GENERAL)
    told = sum("paused daily questions" in t for t in [*shown, *left])
    assert told == 1, (shown, left)


async def test_the_fake_refuses_a_method_the_token_has_no_scope_for(
    harness: Harness, tmp_path: Path
) -> None:
    harness.fake.scopes = "chat:write,commands,users:read"  # no im:write, no files:write
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"png")
    with pytest.raises(PlatformError, match="missing_scope"):
        await harness.bot.platform.upload_privately(UserRef("slack", ADA, "Ada"), [str(chart)])
    [refused] = [c for c in harness.fake.calls if c.method == "conversations.open"]
    assert refused.body["users"] == ADA
