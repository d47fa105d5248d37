"""One scripted session through the console, Slack and Discord: the same core outcomes.

Today's question, an answer, explain, practice, suggest → approve, stats, the leaderboard
and a permission refusal, each driven through the platform's real adapter (the Slack and
Discord ones against their fakes); each step must show the member the same thing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.console.session import ConsoleSession
from bot.app import Knowledge
from bot.core.model import UserRef
from tests.conftest import asking_lora
from tests.discord.fake_discord import (
    ADMIN_ID,
    ADMIN_PERMISSIONS,
    CHANNEL_ID,
    fake_discord,
    running_bot,
)
from tests.discord.test_discord_flow import GOOD_ANSWER
from tests.learning.conftest import Console, make_console
from tests.learning.test_slack_learning import slack  # noqa: F401  (the Slack fixture)
from tests.slack.conftest import ADA, ADMIN, GENERAL, Harness
from tests.slack.test_http_flow import texts, thread_reply

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUGGESTION = "What is KV caching? | Reusing keys and values. | decoding"
SCRIPT: tuple[tuple[str, str, str, bool, str], ...] = (
    # (step, command, args, as admin, what the member must see)
    ("today", "today", "", False, "Today's question"),
    ("answer", "", "", False, "Score:"),
    ("explain", "explain", "lora", False, "lora"),
    ("practice", "practice", "", False, "Practice:"),
    ("suggest", "suggest", SUGGESTION, False, "moderation queue as #1"),
    ("approve", "approve", "1", True, "Suggestion #1 approved"),
    ("stats", "stats", "", False, "1 answered"),
    ("leaderboard", "leaderboard", "", False, "Leaderboard"),
    ("refusal", "reveal", "", False, "Only admins"),
)

Step = Callable[[str, str, bool], Awaitable[str]]


async def play(step: Step, answer: Callable[[], Awaitable[str]]) -> dict[str, bool]:
    """Run the script; for each step, whether the member saw what they must."""
    seen: dict[str, bool] = {}
    for name, command, args, admin, expected in SCRIPT:
        shown = await (answer() if name == "answer" else step(command, args, admin))
        seen[name] = expected.lower() in shown.lower()
    return seen


ADA_HERE = UserRef("console", "ada", "Ada")
EVERY_STEP = {name: True for name, *_ in SCRIPT}


async def test_the_console_session(tmp_path: Any) -> None:
    console: Console = make_console(tmp_path / "c.db")
    ada = ConsoleSession(console.service, console.platform, ADA_HERE, console.out)

    async def step(command: str, args: str, admin: bool) -> str:
        start = len(console.out.getvalue())
        await (console.session if admin else ada).handle(f"/{command} {args}".strip())
        return console.out.getvalue()[start:]

    async def answer() -> str:
        start = len(console.out.getvalue())
        await ada.handle("my answer covers some of the key points here")
        return console.out.getvalue()[start:]

    assert await play(step, answer) == EVERY_STEP


async def test_the_slack_session(slack: Harness) -> None:  # noqa: F811
    urls = iter(range(1, 100))

    async def step(command: str, args: str, admin: bool) -> str:
        n = next(urls)
        before = len(slack.fake.called("chat.postEphemeral"))
        await slack.slack.command(
            f"{command} {args}".strip(),
            ADMIN if admin else ADA,
            GENERAL.channel,
            slack.response_url(n),
        )
        said = slack.fake.called(f"respond/{n}") + slack.fake.called("chat.postEphemeral")[before:]
        return " ".join(texts(s) for s in said)

    async def answer() -> str:
        post = slack.bot.service.store.latest_post(GENERAL)
        assert post is not None and post.message is not None
        ts = post.message.message_id
        event = thread_reply(
            ADA, "my answer covers some of the key points here", "1764000099.000100", ts
        )
        await slack.slack.event(event, "Ev-answer")
        return " ".join(texts(s) for s in slack.fake.called("chat.postEphemeral"))

    assert await play(step, answer) == EVERY_STEP


async def test_the_discord_session(knowledge: Knowledge, tmp_path: Any) -> None:
    from adapters.discord.render import spelling
    from bot.core.commands import REGISTRY

    async with (
        fake_discord() as fake,
        running_bot(fake, asking_lora(knowledge), f"sqlite:///{tmp_path / 'd.db'}") as bot,
    ):

        def seen_now() -> int:
            return len(fake.responses())

        async def step(command: str, args: str, admin: bool) -> str:
            declared = REGISTRY.get(command)
            assert declared is not None
            group, _ = spelling(declared, args).lstrip("/").split(" ", 1)
            options = []
            if args:
                first = declared.arguments[0]
                options = [{"name": first.name, "type": 3, "value": args}]
            before = seen_now()
            extra: dict[str, Any] = (
                {"user_id": ADMIN_ID, "permissions": ADMIN_PERMISSIONS} if admin else {}
            )
            await bot.slash(group, command, options, **extra)
            await bot.until(lambda: any(r.get("embeds") for r in fake.responses()[before:]))
            return " ".join(
                str(e.get("title", "")) + " " + str(e.get("description", ""))
                for r in fake.responses()[before:]
                for e in r.get("embeds", [])
            )

        async def answer() -> str:
            question = next(
                m
                for m in fake.messages.values()
                if m["channel_id"] == str(CHANNEL_ID) and m["components"]
            )
            await bot.say(question["id"], GOOD_ANSWER)
            dms = "/channels/500000000000000001/messages"
            await bot.until(lambda: fake.at("POST", dms))
            await asyncio.sleep(0)
            return " ".join(
                str(c.body["embeds"][0].get("description", "")) for c in fake.at("POST", dms)
            )

        assert await play(step, answer) == EVERY_STEP
