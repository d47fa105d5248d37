"""The core says what happened to a message; adapters no longer guess its silence."""

from __future__ import annotations

from bot.core import replies
from bot.core.model import IncomingMessage, MessageRef
from tests.learning.conftest import CONSOLE_CHANNEL, MEMBER, Console


async def test_chatter_outside_a_thread_is_ignored_and_says_why(console: Console) -> None:
    message = IncomingMessage(
        CONSOLE_CHANNEL, MEMBER, "morning all", MessageRef(CONSOLE_CHANNEL, "m1")
    )
    outcome = await console.service.on_message(message)
    assert outcome.said == () and outcome.ignored == "not addressed to the bot"


async def test_an_explicit_answer_with_nothing_to_grade_hears_not_graded(console: Console) -> None:
    await console.say("/today")
    thread = console.platform.current_thread
    assert thread is not None
    message = IncomingMessage(
        CONSOLE_CHANNEL, MEMBER, "hmm", MessageRef(CONSOLE_CHANNEL, "m2"), thread
    )
    outcome = await console.service.on_answer(message)
    assert outcome.said == (replies.NOT_GRADED,) and outcome.ignored == "not an answer to grade"
    assert "Not graded: that didn't look like an answer" in console.out.getvalue()


async def test_a_graded_answer_reports_the_feedback_it_gave(console: Console) -> None:
    await console.say("/today")
    thread = console.platform.current_thread
    assert thread is not None
    text = "one two three four five six"
    outcome = await console.service.on_answer(
        IncomingMessage(CONSOLE_CHANNEL, MEMBER, text, MessageRef(CONSOLE_CHANNEL, "m3"), thread)
    )
    assert len(outcome.said) == 1 and "Score:" in outcome.said[0].text
