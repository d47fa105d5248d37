"""Approved suggestions go live at once: explain, the rotation and grading on this instance,
every instance sharing the database after a tick (and at start-up), the export; an invalid
suggestion is refused with what to do; a live item stays in the workspace that approved it.

Each runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.content.bank import write_bank
from bot.content.cli import app
from bot.content.export import EXPORT_FIELDS
from bot.content.live import BankRules
from bot.core.model import (
    ChannelRef,
    CommandInvocation,
    Difficulty,
    IncomingMessage,
    Item,
    LiveItem,
    MessageRef,
    Suggestion,
    UserRef,
)
from bot.core.retrieval import Retriever
from bot.core.service import QotdService
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.hash_embedder import HashEmbedder
from tests.fakes.platform import RecordingPlatform
from tests.learning.conftest import KeywordGrader

SERVER_A = ChannelRef("discord", "111", "1001")
SERVER_B = ChannelRef("discord", "222", "2002")
AUTHOR = UserRef("discord", "501", "Ada")
ADMIN_A = UserRef("discord", "601", "Admin A", is_admin=True)
ADMIN_B = UserRef("discord", "701", "Admin B", is_admin=True)

QUESTION = "What is a jailbreak prompt?"
ANSWER = (
    "A jailbreak prompt is an input crafted to make a model ignore its safety rules. "
    "Attackers hide the request inside role play, fictional framing or encoded text. "
    "Defences combine refusal training, input filters and red-team testing before release."
)
SUGGESTION = f"{QUESTION} | {ANSWER} | safety"
ITEM_ID = "jailbreak-prompt"


class Instance:
    """One qotd process: a service with a real retriever (hash vectors) over the database."""

    def __init__(self, url: str) -> None:
        self.platform = RecordingPlatform()
        self.store = SqlStore(url)
        self.learning = SqlLearningStore(url)
        self.embedder = CountingEmbedder()
        bank = small_bank()  # no safety questions
        self.service = QotdService(
            bank,
            self.store,
            self.platform,
            Retriever(bank, self.embedder),
            KeywordGrader(),  # type: ignore[arg-type]
            learning=self.learning,
            rate_limit_per_minute=0,
            item_rules=BankRules(),
        )

    async def run(self, channel: ChannelRef, user: UserRef, name: str, args: str = "") -> str:
        reply = await self.service.on_command(CommandInvocation(channel, user, name, args))
        return f"{reply.title}\n{reply.text}"

    def close(self) -> None:
        self.store.close()
        self.learning.close()


class CountingEmbedder(HashEmbedder):
    """Counts the texts it embeds."""

    def __init__(self) -> None:
        self.texts = 0

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return super().encode(texts)


@pytest.fixture
def instances(database_url: str) -> Iterator[list[Instance]]:
    made: list[Instance] = []

    def start() -> Instance:
        made.append(Instance(database_url))
        return made[-1]

    yield [start(), start()]
    for instance in made:
        instance.close()


async def suggest_in_a(bot: Instance) -> None:
    queued = await bot.run(SERVER_A, AUTHOR, "suggest", SUGGESTION)
    assert "moderation queue as #1" in queued


async def approve_in_a(bot: Instance) -> str:
    await suggest_in_a(bot)
    return await bot.run(SERVER_A, ADMIN_A, "approve", "1")


async def test_approved_question_is_explained_at_once(instances: list[Instance]) -> None:
    bot = instances[0]
    assert "role play" not in await bot.run(SERVER_A, AUTHOR, "explain", QUESTION)
    await suggest_in_a(bot)
    embedded_before = bot.embedder.texts
    approved = await bot.run(SERVER_A, ADMIN_A, "approve", "1")
    assert f"Suggestion #1 approved; it's live as `{ITEM_ID}`" in approved
    # only the new item's texts were embedded: its question, 3 key points, 1 answer chunk
    assert bot.embedder.texts - embedded_before == 5
    explained = await bot.run(SERVER_A, AUTHOR, "explain", "jailbreak prompt")
    assert explained.startswith(QUESTION) and "role play" in explained
    told = [s.reply.text for s in bot.platform.of("private") if s.user == AUTHOR and s.reply]
    assert any("was approved" in t and "in the bank now" in t for t in told)


async def test_approved_question_is_posted_by_the_rotation_and_graded(
    instances: list[Instance],
) -> None:
    bot = instances[0]
    await bot.run(SERVER_A, ADMIN_A, "schedule", "difficulty=easy")  # the bank has none
    assert "No question matches" in await bot.run(SERVER_A, AUTHOR, "today")
    await approve_in_a(bot)
    assert "Today's question is posted" in await bot.run(SERVER_A, AUTHOR, "today")
    post = bot.store.latest_post(SERVER_A)
    assert post is not None and post.item_id == ITEM_ID and post.message is not None
    answer = (
        "Attackers hide the request inside role play, fictional framing or encoded text, "
        "so the model will ignore its safety rules"
    )
    message = MessageRef(SERVER_A, "m-answer", post.message.message_id)
    await bot.service.on_message(
        IncomingMessage(SERVER_A, AUTHOR, answer, message=message, thread=post.message)
    )
    attempts = bot.store.attempts_for_post(post.id)
    assert len(attempts) == 1 and attempts[0].score > 0


async def test_another_instance_sees_it_after_a_tick_and_a_new_one_at_start(
    instances: list[Instance], database_url: str
) -> None:
    first, second = instances
    await approve_in_a(first)
    assert second.service.daily.item(ITEM_ID) is None
    await second.service.run_posts()
    assert second.service.daily.item(ITEM_ID) is not None
    assert (await second.run(SERVER_A, AUTHOR, "explain", "jailbreak prompt")).startswith(QUESTION)
    third = Instance(database_url)
    try:
        assert third.service.daily.item(ITEM_ID) is not None
        assert (await third.run(SERVER_A, AUTHOR, "explain", "jailbreak prompt")).startswith(
            QUESTION
        )
    finally:
        third.close()


async def test_export_includes_live_items(
    instances: list[Instance], database_url: str, tmp_path: Path
) -> None:
    await approve_in_a(instances[0])
    bank = tmp_path / "bank"
    write_bank(small_bank(), bank)
    runner = CliRunner()
    done = runner.invoke(
        app, ["export", "--format", "json", "--bank", str(bank), "--db", database_url]
    )
    assert done.exit_code == 0, done.output
    records = json.loads(done.stdout)
    assert [r["id"] for r in records][-1] == ITEM_ID and len(records) == 13
    assert all(tuple(r) == EXPORT_FIELDS for r in records)
    live = records[-1]
    assert (
        live["question"] == QUESTION and live["topic"] == "safety" and len(live["key_points"]) == 3
    )
    only_bank = runner.invoke(
        app, ["export", "--format", "json", "--bank", str(bank), "--db", database_url, "--no-live"]
    )
    assert len(json.loads(only_bank.stdout)) == 12


async def test_invalid_suggestion_is_refused_with_what_to_do(instances: list[Instance]) -> None:
    bot = instances[0]
    await bot.run(SERVER_A, AUTHOR, "suggest", f"{QUESTION} | Tricking a model. | safety")
    refused = await bot.run(SERVER_A, ADMIN_A, "approve", "1")
    assert "Suggestion #1 can't join the bank as it is" in refused
    assert "has 1 key points; answered items need 3-6" in refused
    assert "`/approve 1 | first point | second point | third point`" in refused
    assert bot.service.daily.item(ITEM_ID) is None
    assert not any(s.user == AUTHOR for s in bot.platform.of("private"))
    assert "1 suggestion(s) waiting" in await bot.run(SERVER_A, ADMIN_A, "suggestions")
    points = "| Crafted input | Ignores safety rules | Hidden in role play"
    approved = await bot.run(SERVER_A, ADMIN_A, "approve", f"1 {points}")
    assert "approved; it's live" in approved and "- Ignores safety rules" in approved
    item = bot.service.daily.item(ITEM_ID)
    assert item is not None and item.key_points[1] == "Ignores safety rules"


async def test_a_live_item_stays_in_the_workspace_that_approved_it(
    instances: list[Instance],
) -> None:
    bot = instances[0]
    await approve_in_a(bot)
    elsewhere = await bot.run(SERVER_B, AUTHOR, "explain", "jailbreak prompt")
    assert not elsewhere.startswith(QUESTION) and "role play" not in elsewhere
    await bot.run(SERVER_B, ADMIN_B, "schedule", "difficulty=easy")
    assert "No question matches" in await bot.run(SERVER_B, AUTHOR, "today")
    assert "safety" not in await bot.run(SERVER_B, AUTHOR, "topics")
    assert "safety" in await bot.run(SERVER_A, AUTHOR, "topics")


async def test_approved_writes_the_live_items_as_a_bank_file(
    instances: list[Instance], database_url: str, tmp_path: Path
) -> None:
    await approve_in_a(instances[0])
    bank, out = tmp_path / "bank", tmp_path / "approved.yaml"
    write_bank(small_bank(), bank)
    runner = CliRunner()
    done = runner.invoke(
        app, ["approved", "--out", str(out), "--db", database_url, "--bank", str(bank)]
    )
    assert done.exit_code == 0 and "wrote 1 approved suggestion(s)" in done.output
    folded = runner.invoke(app, ["import-items", str(out), "--bank", str(bank)])
    assert folded.exit_code == 0, folded.output
    exported = runner.invoke(
        app, ["export", "--format", "json", "--bank", str(bank), "--db", database_url]
    )
    ids = [r["id"] for r in json.loads(exported.stdout)]
    assert ids.count(ITEM_ID) == 1  # the bank file's copy; the live one is not repeated


def test_store_approves_and_keeps_the_item_in_one_transaction(database_url: str) -> None:
    store = SqlLearningStore(database_url)
    try:
        now = datetime(2026, 12, 2, tzinfo=UTC)
        for _ in range(2):
            store.add_suggestion(Suggestion(0, SERVER_A, AUTHOR, QUESTION, ANSWER, "safety", now))
        item = Item(ITEM_ID, QUESTION, ANSWER, ("a", "b", "c"), "safety", Difficulty.EASY, "x")
        live = LiveItem(item, SERVER_A, 1, ADMIN_A.user_id, now)
        empty = store.live_marker()
        assert store.approve_live(1, SERVER_B, live) == "not pending"  # another workspace
        assert store.approve_live(1, SERVER_A, live) == "approved"
        assert store.live_marker() != empty
        assert store.approve_live(2, SERVER_A, live) == "id taken"
        assert [s.id for s in store.suggestions(None, "pending")] == [2]  # left as it was
        [kept] = store.live_items()
        assert kept.item == item and kept.owner == SERVER_A and kept.suggestion_id == 1
    finally:
        store.close()


async def test_an_answer_reaching_another_instance_before_its_tick_is_graded(
    instances: list[Instance],
) -> None:
    first, second = instances
    await first.run(SERVER_A, ADMIN_A, "schedule", "difficulty=easy")
    await approve_in_a(first)
    await first.run(SERVER_A, AUTHOR, "today")
    post = first.store.latest_post(SERVER_A)
    assert post is not None and post.item_id == ITEM_ID and post.message is not None
    answer = "It makes the model ignore its safety rules through role play or encoded text"
    message = MessageRef(SERVER_A, "m-answer", post.message.message_id)
    await second.service.on_message(  # no tick on the second instance yet
        IncomingMessage(SERVER_A, AUTHOR, answer, message=message, thread=post.message)
    )
    assert len(second.store.attempts_for_post(post.id)) == 1
