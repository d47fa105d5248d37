"""Abuse limits, admin notices, secrets kept out of logs, and the /healthz and /metrics
endpoints."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.app import bootstrap
from bot.core.model import CommandInvocation, IncomingMessage, MessageRef
from bot.core.ports import PlatformError
from bot.http_service import bound_port, start_http
from bot.metrics import PrometheusMetrics
from bot.settings import Settings
from bot.storage.sql_store import SqlStore
from tests.reliability.botproc import fake_knowledge
from tests.reliability.fakes import ADA, ADMIN, CHANNEL, Clock, make_service, posted_question

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_explain_requests_over_the_limit_get_a_polite_wait_message(tmp_path: Path) -> None:
    clock = Clock()
    service, _ = make_service(tmp_path, rate_limit=3, clock=clock)
    ask = CommandInvocation(CHANNEL, ADA, "explain", "lora")
    replies = [await service.on_command(ask) for _ in range(4)]
    assert all("faster than I can keep up" not in r.text for r in replies[:3])
    assert "up to 3 explain or grading requests a minute" in replies[3].text
    assert "try again in 60 seconds" in replies[3].text and replies[3].private
    other = await service.on_command(CommandInvocation(CHANNEL, ADMIN, "explain", "lora"))
    assert "faster" not in other.text  # the limit is per member
    clock.now += timedelta(seconds=61)
    assert "faster" not in (await service.on_command(ask)).text


async def test_answers_over_the_limit_are_not_graded_and_the_member_is_told(
    tmp_path: Path,
) -> None:
    service, platform = make_service(tmp_path, rate_limit=2)
    post = await posted_question(service)
    for n in range(3):
        await service.on_message(
            IncomingMessage(
                CHANNEL, ADA, f"idea one, take {n}", MessageRef(CHANNEL, f"a{n}"), post.message
            )
        )
    assert len(service.store.attempts_for_post(post.id)) == 2
    last = platform.of("private")[-1].reply
    assert last is not None and "try again in" in last.text


async def test_a_paused_channel_is_reported_once_to_the_next_admin_command(
    tmp_path: Path,
) -> None:
    paused: list[object] = []
    service, platform = make_service(
        tmp_path, on_schedule_change=lambda channel, schedule: paused.append(schedule.paused)
    )
    platform.post_question = _refuse  # type: ignore[method-assign]
    reply = await service.on_command(CommandInvocation(CHANNEL, ADMIN, "today"))
    assert "could not post here (not_in_channel)" in reply.text
    assert "/schedule resume" in reply.text and paused == [True]
    member = await service.on_command(CommandInvocation(CHANNEL, ADA, "help"))
    assert "Notice" not in member.text
    again = await service.on_command(CommandInvocation(CHANNEL, ADMIN, "help"))
    assert "Notice" not in again.text
    status = await service.on_command(CommandInvocation(CHANNEL, ADA, "schedule"))
    assert "PAUSED" in status.text


async def _refuse(channel: object, reply: object, *, key: str) -> MessageRef:
    raise PlatformError("not_in_channel", permanent=True)


async def test_secrets_never_reach_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "SLACK_BOT_TOKEN": "xoxb-0000-very-secret-bot",
        "SLACK_APP_TOKEN": "xapp-1-very-secret-app",
        "DISCORD_TOKEN": "discord.very.secret",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    password = "pg-very-secret-pw"
    url = f"postgresql+psycopg://postgres:{password}@127.0.0.1:1/qotd"  # nothing listens
    monkeypatch.setenv("QOTD_DATABASE_URL", url)
    caplog.set_level(logging.DEBUG)
    settings = Settings(_env_file=None)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == secrets["SLACK_BOT_TOKEN"]
    service, platform = make_service(tmp_path)
    # the store is open already: the settings' database (down) is only logged
    app = bootstrap(
        settings.model_copy(update={"http_port": None}), platform, fake_knowledge(),
        store=service.store,
    )  # fmt: skip
    await app.start()  # logs the settings, as every runner does at start-up
    await app.stop()
    logging.getLogger("bot.app").info("settings: %s", settings)
    with pytest.raises(Exception) as failure:
        SqlStore(url)  # the database is down: the error is logged as it would be at start-up
    logging.getLogger("bot.app").error("store failed", exc_info=failure.value)
    await service.on_command(CommandInvocation(CHANNEL, ADMIN, "today"))
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "starting with Settings(" in logged
    for secret in [*secrets.values(), password]:
        assert secret not in logged


async def test_healthz_and_metrics_report_the_service(tmp_path: Path) -> None:
    metrics = PrometheusMetrics()
    service, _ = make_service(tmp_path, metrics=metrics)
    await posted_question(service)
    await service.on_command(CommandInvocation(CHANNEL, ADA, "explain", "lora"))
    metrics.error("platform_transient")
    runner = await start_http(service.store, metrics, 0, "127.0.0.1")
    base = f"http://127.0.0.1:{bound_port(runner)}"
    try:
        async with ClientSession() as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with http.get(f"{base}/metrics") as response:
                text = await response.text()
            service.store.close()
            service.store.ping = _down  # type: ignore[method-assign]
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 503
    finally:
        await runner.cleanup()
    assert "qotd_posts_total 1.0" in text
    assert "qotd_explain_seconds_count 1.0" in text
    assert 'qotd_errors_total{kind="platform_transient"} 1.0' in text
    assert "qotd_attempts_graded_total 0.0" in text


def _down() -> None:
    raise ConnectionError("database unreachable")
