"""Three bugs of policy leaking out of the core, as members and admins met them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine

from adapters.console.session import ConsoleSession
from bot.core.commands import REGISTRY
from bot.core.model import ChannelRef, CommandInvocation, UserRef
from tests.learning.conftest import CONSOLE_CHANNEL, KV_SUGGESTION, MEMBER, Console

MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ELSEWHERE = ChannelRef("console", "local", "random")
ADA = UserRef("console", "ada", "Ada")


async def test_practice_nudge_in_a_channel_never_makes_it_a_daily_question_channel(
    console: Console,
) -> None:
    service = console.service
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        opted = await service.on_command(CommandInvocation(ELSEWHERE, ADA, "practice", "nudge on"))
        assert "nudge" in opted.text.lower()
        await service.run_learning()  # the nudge tick reads the channel's timezone
        await service.catch_up_missed()  # the catch-up that used to post there
    assert console.store.get_schedule(ELSEWHERE) is None
    assert console.store.latest_post(ELSEWHERE) is None
    assert "Question of the day" not in console.out.getvalue()


async def _queued(console: Console) -> None:
    ada = ConsoleSession(console.service, console.platform, ADA, console.out)
    await ada.handle(f"/suggest {KV_SUGGESTION}")


async def test_reject_button_asks_for_a_reason_and_rejects_with_it(console: Console) -> None:
    await _queued(console)
    channel = CONSOLE_CHANNEL
    asked = await console.service.on_action("reject_suggestion", "1", channel, MEMBER)
    assert asked.form is not None and [f.name for f in asked.form.fields] == ["reason"]
    done = await console.service.on_form(
        asked.form, {"reason": "too close to #12"}, channel, MEMBER
    )
    assert done.text == "Suggestion #1 rejected; I told its author."
    assert "was not accepted: too close to #12" in console.out.getvalue()


async def test_moderation_queue_names_only_commands_that_exist(console: Console) -> None:
    await _queued(console)
    shown = await console.say("/suggestions")
    typed = set(re.findall(r"(?<![\w/])/([a-z_]+)", shown))
    assert typed, shown
    assert typed <= set(REGISTRY.names), typed - set(REGISTRY.names)
    assert "/approve 1" in shown and "/reject 1 <reason>" in shown
