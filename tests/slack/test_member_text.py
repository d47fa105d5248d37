"""Member text through the real Slack app: decoded once, escaped once, never a hidden link."""

from __future__ import annotations

import json

import pytest

from bot.core.model import Attempt, UserRef
from tests.slack.conftest import ADA, GENERAL, Harness
from tests.slack.fake_slack import BOT_USER
from tests.slack.test_http_flow import post_question, texts

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHISH = "[Claim your prize](https://evil.example/phish)"


async def test_a_shared_explain_of_a_markdown_link_shows_the_url_in_the_channel(
    harness: Harness,
) -> None:
    await harness.slack.command(
        f"explain {PHISH} --share", ADA, GENERAL.channel, harness.response_url()
    )
    [answer] = harness.fake.called("respond/1")
    assert answer["response_type"] == "in_channel"
    shown = texts(answer)
    assert "<https://evil.example" not in json.dumps(answer)
    assert "[Claim your prize] (https://evil.example/phish)" in shown


async def test_a_display_name_that_is_a_markdown_link_is_shown_as_typed(harness: Harness) -> None:
    harness.fake.users[ADA] = {"id": ADA, "name": "ada", "profile": {"display_name": PHISH}}
    store = harness.bot.service.store
    post = store.post_by_thread(GENERAL, await post_question(harness))
    assert post is not None
    store.add_attempt(Attempt(post.id, UserRef("slack", ADA, PHISH), "x", 50, (), (), False,
                              post.created_at))  # fmt: skip
    await harness.slack.command("stats", ADA, GENERAL.channel, harness.response_url())
    [reply] = harness.fake.called("respond/1")
    assert "<https://evil.example" not in json.dumps(reply)
    assert "[Claim your prize] (https://evil.example/phish)*: 1 answered" in texts(reply)


async def test_slacks_html_escaping_is_undone_once_and_applied_once(harness: Harness) -> None:
    # Slack sends what the member typed, "a <b> & c", HTML-escaped.
    await harness.slack.command(
        "stats a &lt;b&gt; &amp; c", ADA, GENERAL.channel, harness.response_url()
    )
    [reply] = harness.fake.called("respond/1")
    assert "a &lt;b&gt; &amp; c hasn't answered" in texts(reply)
    assert "&amp;lt;" not in texts(reply) and "&amp;amp;" not in texts(reply)


async def test_a_rich_text_link_in_a_message_reaches_the_core_with_its_url(
    harness: Harness,
) -> None:
    # Slack's composer turns a hyperlink into <url|label>; the core must never re-mask it.
    event = {
        "type": "app_mention",
        "channel": GENERAL.channel,
        "user": ADA,
        "text": f"<@{BOT_USER}> explain <https://evil.example/phish|Claim your prize>",
        "ts": "1764000009.000100",
    }
    await harness.slack.event(event, "Ev-link")
    sent = [c.body for c in harness.fake.calls if c.method.startswith("chat.")]
    assert sent and all("<https://evil.example" not in json.dumps(b) for b in sent)
    assert any("Claim your prize (https://evil.example/phish)" in texts(b) for b in sent)
