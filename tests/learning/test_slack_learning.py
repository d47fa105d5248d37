"""The learning loop through the real Slack app against the fake Web API."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from aiohttp import web

from adapters.slack.bot import SlackBot
from adapters.slack.platform import web_client
from adapters.slack.settings import EVENTS_PATH
from bot.charts import progress_chart
from bot.core.daily import RetryPolicy
from bot.core.model import Attempt, ChannelRef, Schedule, Suggestion, UserRef
from bot.storage.inbox_store import SqlInbox
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.learning.conftest import KeywordGrader, NoRetriever
from tests.slack.conftest import ADA, ADMIN, GENERAL, Harness
from tests.slack.fake_slack import SECRET, Canned, FakeSlack, Signer
from tests.slack.test_http_flow import texts

pytestmark = pytest.mark.asyncio(loop_scope="session")

MONDAY = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    """The Slack bot over the small bank, with the learning loop and charts."""
    fake = FakeSlack()
    fake.users = {
        ADA: {"id": ADA, "name": "ada", "profile": {"display_name": "Ada"}},
        ADMIN: {"id": ADMIN, "name": "root", "is_admin": True, "profile": {"real_name": "Root"}},
    }
    await fake.start()
    url = f"sqlite:///{tmp_path / 'slack.db'}"
    store = SqlStore(url)
    store.set_schedule(GENERAL, Schedule(hour=9, timezone="UTC", weekdays=tuple(range(7))))
    knowledge: Any = SimpleNamespace(
        bank=SimpleNamespace(items=small_bank()), retriever=NoRetriever(), grader=KeywordGrader()
    )
    bot = SlackBot(
        web_client("xoxb-test-token", f"{fake.url}api/"),
        knowledge,
        store,
        SqlInbox(url),
        signing_secret=SECRET,
        process_before_response=True,
        retry=RetryPolicy(attempts=2, base_seconds=0.01),
        rate_limit_per_minute=0,
        learning=SqlLearningStore(url),
        charts=progress_chart,
    )
    assert bot.service.learning is not None
    bot.service.learning._charts_dir = tmp_path / "charts"
    runner = web.AppRunner(bot.app.web_app(path=EVENTS_PATH))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield Harness(fake, bot, Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}"))
    await runner.cleanup()
    await fake.stop()
    store.close()


def can_upload(fake: FakeSlack) -> None:
    """The fake hands out an upload URL (served by its catch-all API route)."""
    fake.fail_next(
        "files.getUploadURLExternal",
        Canned(body={"ok": True, "upload_url": f"{fake.url}api/upload", "file_id": "F0CHART"}),
    )
    fake.fail_next(
        "files.completeUploadExternal", Canned(body={"ok": True, "files": [{"id": "F0CHART"}]})
    )


async def test_practice_over_slash_command_is_ephemeral_and_graded(slack: Harness) -> None:
    await slack.slack.command("practice", ADA, GENERAL.channel, slack.response_url(1))
    [served] = slack.fake.called("respond/1")
    assert served["response_type"] == "ephemeral" and "Practice: New card" in texts(served)
    member = slack.bot.service.learning.store.get_member("slack", ADA)  # type: ignore[union-attr]
    assert member is not None
    item = member.pending_item_id
    answer = f"practice {item} idea one and {item} idea two, roughly."
    await slack.slack.command(answer, ADA, GENERAL.channel, slack.response_url(2))
    [graded] = slack.fake.called("respond/2")
    assert "Score: 67/100" in texts(graded) and "Next review of this card" in texts(graded)


async def test_stats_chart_is_uploaded_to_the_members_dm(slack: Harness) -> None:
    store = slack.bot.service.store
    with time_machine.travel(MONDAY, tick=False):
        post, _ = await slack.bot.service.daily.post_today(GENERAL)
        assert post is not None
        store.add_attempt(
            Attempt(post.id, UserRef("slack", ADA, "Ada"), "x", 67, ("a",), ("b",), False, MONDAY)
        )
        slack.fake.fail_next(
            "conversations.open", Canned(body={"ok": True, "channel": {"id": "D0ADA"}})
        )
        can_upload(slack.fake)
        await slack.slack.command("stats chart", ADA, GENERAL.channel, slack.response_url(3))
    assert "1 answered, 67 points" in texts(slack.fake.called("respond/3")[0])
    [done] = slack.fake.called("files.completeUploadExternal")
    assert done["channel_id"] == "D0ADA" and "F0CHART" in str(done["files"])


async def test_monday_recap_is_posted_in_the_channel_with_its_chart(slack: Harness) -> None:
    store = slack.bot.service.store
    with time_machine.travel(datetime(2026, 3, 4, 9, 30, tzinfo=UTC), tick=False):
        post, _ = await slack.bot.service.daily.post_today(GENERAL)
        assert post is not None
        when = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
        store.add_attempt(
            Attempt(post.id, UserRef("slack", ADA, "Ada"), "x", 100, ("a",), (), False, when)
        )
    can_upload(slack.fake)
    with time_machine.travel(MONDAY, tick=False):
        assert await slack.bot.service.run_learning() >= 1
    recaps = [c for c in slack.fake.called("chat.postMessage") if "Weekly recap" in texts(c)]
    assert len(recaps) == 1 and recaps[0]["channel"] == GENERAL.channel
    assert "Most points: Ada (100)" in texts(recaps[0])
    [done] = slack.fake.called("files.completeUploadExternal")
    assert done["channel_id"] == GENERAL.channel


SPECULATIVE_ANSWER = (
    "A small draft model proposes several tokens ahead. The large target model checks them all "
    "in one forward pass. Accepted tokens are kept, so the output matches the target model while "
    "decoding gets faster."
)
"""An answer the bank's rules accept for an approved suggestion (three key points)."""


async def test_suggest_modal_queue_buttons_and_author_notice(slack: Harness) -> None:
    await slack.slack.command("suggest", ADA, GENERAL.channel, slack.response_url(4))
    [opened] = slack.fake.called("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "qotd_form"
    assert json.loads(view["private_metadata"])["channel"] == GENERAL.channel
    state = {
        "question": {
            "value": {"type": "plain_text_input", "value": "What is speculative decoding?"}
        },
        "answer": {"value": {"type": "plain_text_input", "value": SPECULATIVE_ANSWER}},
        "topic": {"value": {"type": "static_select", "selected_option": {"value": "decoding"}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": ADA, "username": "ada", "team_id": "T0001"},
        "api_app_id": "AQOTD",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {**view, "id": "V1", "state": {"values": state}},
    }
    status, _ = await slack.slack.post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}),
        "application/x-www-form-urlencoded",
    )
    assert status == 200
    [queued] = slack.fake.called("chat.postEphemeral")
    assert queued["user"] == ADA and "moderation queue as #1" in texts(queued)
    await slack.slack.command("suggestions", ADMIN, GENERAL.channel, slack.response_url(5))
    [review] = slack.fake.called("respond/5")
    assert "What is speculative decoding?" in texts(review)
    assert "approve_suggestion" in json.dumps(review["blocks"])
    await slack.slack.click(
        "approve_suggestion", "1", ADMIN, GENERAL.channel, "1764000000.0001", slack.response_url(6)
    )
    assert "Suggestion #1 approved" in texts(slack.fake.called("respond/6")[0])
    told = slack.fake.called("chat.postEphemeral")[-1]
    assert told["user"] == ADA and "was approved" in texts(told)


async def test_approve_button_clicked_in_slack_never_reaches_another_workspaces_suggestion(
    slack: Harness,
) -> None:
    learning = slack.bot.service.learning.store  # type: ignore[union-attr]
    elsewhere = ChannelRef("discord", "111", "1001")
    author = UserRef("discord", "501", "Ada")
    queued = Suggestion(0, elsewhere, author, "What is RoPE?", "Rotations.", "architecture", MONDAY)
    learning.add_suggestion(queued)
    await slack.slack.click(
        "approve_suggestion", "1", ADMIN, GENERAL.channel, "1764000000.0001", slack.response_url(7)
    )
    assert "not waiting for review here" in texts(slack.fake.called("respond/7")[0])
    for method in ("chat.postEphemeral", "chat.postMessage", "conversations.open"):
        assert slack.fake.called(method) == []
    assert [s.question for s in learning.suggestions(elsewhere, "pending")] == ["What is RoPE?"]


async def test_no_member_text_in_the_moderation_flow_becomes_a_hidden_link(slack: Harness) -> None:
    phish = "[Claim your prize](https://evil.example/{})"
    slack.fake.users[ADA] = {"id": ADA, "profile": {"display_name": phish.format("name")}}
    suggestion = f"What is {phish.format('q')}? | See {phish.format('a')}. | decoding"
    await slack.slack.command(f"suggest {suggestion}", ADA, GENERAL.channel, slack.response_url(8))
    await slack.slack.command("suggestions", ADMIN, GENERAL.channel, slack.response_url(9))
    reason = f"1 read {phish.format('reason')} first"
    await slack.slack.command(f"reject {reason}", ADMIN, GENERAL.channel, slack.response_url(10))
    queue = texts(slack.fake.called("respond/9")[0])
    told = slack.fake.called("chat.postEphemeral")[-1]
    assert told["user"] == ADA and "was not accepted" in texts(told)
    for part in ("name", "q", "a"):
        assert f"[Claim your prize] (https://evil.example/{part})" in queue
    assert "[Claim your prize] (https://evil.example/reason)" in texts(told)
    assert all("<https://evil" not in json.dumps(call.body) for call in slack.fake.calls)


async def test_reject_button_opens_a_reason_modal_and_its_submission_rejects(
    slack: Harness,
) -> None:
    await slack.slack.command(
        "suggest Why RoPE? | Relative positions. | architecture",
        ADA,
        GENERAL.channel,
        slack.response_url(1),
    )
    await slack.slack.click(
        "reject_suggestion", "1", ADMIN, GENERAL.channel, "1764000000.0001", slack.response_url(2)
    )
    [opened] = slack.fake.called("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert [b["block_id"] for b in view["blocks"]] == ["reason"]
    assert slack.fake.called("respond/2") == []  # the modal is the answer to the click
    state = {"reason": {"value": {"type": "plain_text_input", "value": "too vague"}}}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": ADMIN, "username": "root", "team_id": "T0001"},
        "api_app_id": "AQOTD",
        "token": "legacy",
        "trigger_id": "1.2.4",
        "view": {**view, "id": "V2", "state": {"values": state}},
    }
    status, _ = await slack.slack.post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}),
        "application/x-www-form-urlencoded",
    )
    assert status == 200
    told = [texts(c) for c in slack.fake.called("chat.postEphemeral")]
    assert any("was not accepted: too vague" in t for t in told)
    assert any("Suggestion #1 rejected; I told its author." in t for t in told)


async def test_home_tab_shows_streak_points_weak_topics_due_cards_and_channels(
    slack: Harness,
) -> None:
    service = slack.bot.service
    with time_machine.travel(MONDAY, tick=False):
        post, _ = await service.daily.post_today(GENERAL)
        assert post is not None
        service.store.add_attempt(
            Attempt(post.id, UserRef("slack", ADA, "Ada"), "x", 33, ("a",), ("b",), False, MONDAY)
        )
        await slack.slack.command("practice", ADA, GENERAL.channel, slack.response_url(1))
        await slack.slack.command("practice no idea at all", ADA, GENERAL.channel, "x")
    home_opened = {"type": "app_home_opened", "user": ADA, "channel": "D0ADA", "tab": "home"}
    with time_machine.travel(MONDAY.replace(day=10, hour=8), tick=False):
        await slack.slack.event(home_opened, "Ev-home")
    [published] = slack.fake.called("views.publish")
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    shown = json.dumps(view)
    assert published["user_id"] == ADA and view["type"] == "home"
    assert "*Streak*: 1 day(s) (best 1)" in shown and "*Points*: 33" in shown
    assert "*Weakest topics*:" in shown and "(33)" in shown
    assert "*Practice*: 1 card(s) due" in shown
    assert "app_redirect?channel=C0GENERAL" in shown and "#general" in shown
    assert "09:00 UTC, every day" in shown
    [button] = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "start_practice"


async def test_home_practice_button_sends_the_due_card_to_the_dm(slack: Harness) -> None:
    with time_machine.travel(MONDAY, tick=False):
        await slack.slack.command("practice", ADA, GENERAL.channel, slack.response_url(1))
        await slack.slack.command("practice no idea at all", ADA, GENERAL.channel, "x")
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": ADA, "username": "ada", "team_id": "T0001"},
        "api_app_id": "AQOTD",
        "token": "legacy",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": "1.2.3",
        "view": {"id": "V0HOME", "type": "home"},
        "actions": [{"type": "button", "action_id": "start_practice", "value": "",
                     "block_id": "qotd_actions", "action_ts": "1"}],
    }  # fmt: skip
    with time_machine.travel(MONDAY.replace(day=10, hour=8), tick=False):
        status, _ = await slack.slack.post(
            urllib.parse.urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
        )
    assert status == 200
    [opened] = slack.fake.called("conversations.open")
    assert opened["users"] == ADA
    card = slack.fake.called("chat.postMessage")[-1]
    assert card["channel"] == f"D{ADA}" and "Practice: Review (1 due)" in texts(card)


async def test_home_tab_lists_the_members_channels_with_questions_before_any_answer(
    slack: Harness,
) -> None:
    """A new member's Home: the channels Slack says they are in that get daily questions (a
    channel without the bot, a paused one, are left out), with the schedule, before a first
    answer."""
    store = slack.bot.service.store
    quiet = ChannelRef("slack", GENERAL.workspace, "C0QUIET")
    store.set_schedule(quiet, Schedule(hour=9, timezone="UTC", paused=True))
    slack.fake.memberships[ADA] = ["C0RANDOM", quiet.channel, GENERAL.channel]
    home_opened = {"type": "app_home_opened", "user": ADA, "channel": "D0ADA", "tab": "home"}
    with time_machine.travel(MONDAY, tick=False):
        await slack.slack.event(home_opened, "Ev-home-new")
    [asked] = slack.fake.called("users.conversations")
    assert asked["user"] == ADA
    [published] = slack.fake.called("views.publish")
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    shown = json.dumps(view)
    assert "app_redirect?channel=C0GENERAL" in shown and "09:00 UTC, every day" in shown
    assert "C0QUIET" not in shown and "C0RANDOM" not in shown


async def test_home_tab_still_opens_when_slack_refuses_the_channel_list(slack: Harness) -> None:
    slack.fake.scopes = slack.fake.scopes.replace("channels:read", "").replace("groups:read", "")
    home_opened = {"type": "app_home_opened", "user": ADA, "channel": "D0ADA", "tab": "home"}
    with time_machine.travel(MONDAY, tick=False):
        await slack.slack.event(home_opened, "Ev-home-scopes")
    [published] = slack.fake.called("views.publish")
    assert "C0GENERAL" not in json.dumps(published["view"])
