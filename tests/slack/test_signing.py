"""Requests not signed by Slack: a plain 401 and one log line, never a 500 or the body."""

from __future__ import annotations

import json
import logging

import pytest

from tests.slack.conftest import BOB, GENERAL, Harness
from tests.slack.fake_slack import BOT_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET_TEXT = "member-wrote-this-in-a-dm"


def mention() -> dict[str, str]:
    return {
        "type": "app_mention",
        "channel": GENERAL.channel,
        "user": BOB,
        "text": f"<@{BOT_USER}> explain {SECRET_TEXT}",
        "ts": "1764000005.000100",
    }


@pytest.mark.parametrize("timestamp", ["abc", "", "1e3", "12.5", "9" * 40, "١٢٣"])
async def test_a_malformed_timestamp_is_a_401_with_one_log_line(
    harness: Harness, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    caplog.set_level(logging.DEBUG)
    status, body = await harness.slack.event(
        mention(), "Ev-ts", headers={"X-Slack-Request-Timestamp": timestamp}
    )
    assert status == 401 and json.loads(body) == {"error": "invalid request"}
    assert harness.fake.calls == []
    refused = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_badly_signed_request_is_logged_once_without_its_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = await harness.slack.event(mention(), "Ev-forged", secret="not-the-secret")
    assert status == 401 and harness.fake.calls == []
    [refused] = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert "SLACK_SIGNING_SECRET" in refused.getMessage()
    assert SECRET_TEXT not in caplog.text


async def test_a_well_signed_request_is_still_answered(harness: Harness) -> None:
    status, _ = await harness.slack.command("help", BOB, GENERAL.channel, harness.response_url())
    assert status == 200 and harness.fake.called("respond/1")
