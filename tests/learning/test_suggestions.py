"""A living bank: /suggest, the moderation queue, near-duplicates, notices, thin topics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.console.session import ConsoleSession
from bot.core.model import CommandInvocation, Match, Suggestion, UserRef
from bot.core.retrieval import ExplainResult
from tests.learning.conftest import CONSOLE_CHANNEL, KV_SUGGESTION, Console

ADA = UserRef("console", "ada", "Ada")


class CloseMatch:
    """A retriever that finds an existing question very close to anything asked."""

    def __init__(self, console: Console) -> None:
        self.item = console.service.items[0]

    def search(self, query: str, k: int = 3, where: object = None) -> ExplainResult:
        return ExplainResult(query, False, (Match(self.item, 0.93),), (self.item.topic,))


def as_ada(console: Console) -> ConsoleSession:
    return ConsoleSession(console.service, console.platform, ADA, console.out)


async def say_as(session: ConsoleSession, console: Console, line: str) -> str:
    start = len(console.out.getvalue())
    console.out.write(f"> {line}\n")
    await session.handle(line)
    return console.out.getvalue()[start:]


async def test_suggestion_is_queued_approved_and_its_author_told(console: Console) -> None:
    ada = as_ada(console)
    queued = await say_as(ada, console, f"/suggest {KV_SUGGESTION}")
    assert "moderation queue as #1" in queued
    assert "Only admins" in await say_as(ada, console, "/approve 1")
    review = await console.say("/suggestions")
    assert "Notice:** New question suggested (#1, decoding)" in review
    assert "1 suggestion(s) waiting" in review and "What is KV caching?" in review
    assert "Actions: `/approve 1`, `/reject 1 <reason>`" in review
    approved = await console.say("/approve 1")
    assert "(only you) 🎉 Your suggested question #1 was approved" in approved
    assert "Suggestion #1 approved; it's live as `kv-caching`" in approved
    assert approved.rstrip().endswith("I told its author.")
    assert "not waiting for review" in await console.say("/approve 1")


async def test_rejection_needs_a_reason_and_the_author_reads_it(console: Console) -> None:
    await say_as(
        as_ada(console), console, "/suggest Why RoPE? | Relative positions. | architecture"
    )
    assert "Please say why" in await console.say("/reject 1")
    rejected = await console.say("/reject 1 the answer needs more than one line")
    assert "was not accepted: the answer needs more than one line" in rejected


async def test_near_duplicate_is_flagged_at_suggestion_time(console: Console) -> None:
    console.service.suggestions._search = CloseMatch(console)  # type: ignore[union-attr]
    queued = await say_as(
        as_ada(console), console, "/suggest What is item 00? | It is. | quantization"
    )
    assert "⚠️ It looks close to an existing question (93%)" in queued and "`item-00`" in queued
    assert "possible duplicate of `item-00`" in await console.say("/suggestions")


async def test_bad_suggestions_get_the_usage_and_thin_topics_are_named(console: Console) -> None:
    assert "Suggest a question as" in await console.say("/suggest just a question")
    assert "Unknown topic" in await console.say("/suggest Q? | A. | astrology")
    review = await console.say("/suggestions")
    # The small bank has 4 questions per topic and none in most topics.
    assert "Topics running thin:" in review and "decoding (4)" in review and "safety (0)" in review


async def test_a_suggestion_delivered_again_is_queued_once_and_answered_the_same(
    console: Console,
) -> None:
    """A crash after the core queued it and before the inbox recorded it done: the same
    delivery (its trigger) carried out again finds the suggestion, queues and notices nothing."""
    service = console.service
    command = CommandInvocation(
        CONSOLE_CHANNEL, ADA, "suggest", KV_SUGGESTION, request="command:trigger-1"
    )
    first = await service.on_command(command)
    again = await service.on_command(command)
    assert "moderation queue as #1" in first.text
    assert again.text == first.text
    other = await service.on_command(replace(command, request="command:trigger-2"))
    assert "moderation queue as #2" in other.text  # a new delivery is a new suggestion
    pending = console.learning.suggestions(CONSOLE_CHANNEL, "pending")
    assert [s.id for s in pending] == [1, 2]
    notices = [n for n in console.store.take_notices(CONSOLE_CHANNEL) if "suggested" in n]
    assert len(notices) == 2


def test_the_store_queues_one_suggestion_per_delivery(console: Console) -> None:
    """Two instances carrying one delivery out at once: the unique key keeps one row."""
    made = Suggestion(0, CONSOLE_CHANNEL, ADA, "Why RoPE?", "Relative positions.", "architecture",
                      datetime(2026, 3, 9, tzinfo=UTC), request="view_submission:t-9")  # fmt: skip
    first = console.learning.add_suggestion(made)
    again = console.learning.add_suggestion(made)
    assert again.id == first.id and again.request == "view_submission:t-9"
    assert len(console.learning.suggestions(CONSOLE_CHANNEL, "pending")) == 1
