"""The composition root: ``bootstrap`` builds one app (one database, the service wired once,
its scheduler and ops endpoints), and the platforms ``qotd run`` knows come from one registry."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession
from pydantic import SecretStr

from adapters import registry
from bot.app import App, bootstrap
from bot.core.model import Attempt, ChannelRef, CommandInvocation, Schedule, Scope
from bot.http_service import bound_port
from bot.settings import Settings
from tests.fakes.platform import RecordingPlatform
from tests.reliability.botproc import fake_knowledge
from tests.reliability.fakes import ADA, ADMIN, CHANNEL

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def app_on(url: str = "sqlite://", **settings: object) -> App:
    return bootstrap(
        Settings(_env_file=None, database_url=url, **settings),  # type: ignore[arg-type]
        RecordingPlatform(),
        fake_knowledge(),
        scope=Scope("test"),
        tick_seconds=3600,
    )


def test_every_store_of_the_app_is_on_one_database() -> None:
    app = app_on("sqlite://")  # in memory: two engines would be two databases
    post = app.store.claim_post(CHANNEL, "2026-03-02", "item-1", 0, NOW, None)
    assert post is not None
    app.store.add_attempt(Attempt(post.id, ADA, "x", 70, (), (), False, NOW, message_id="m"))
    assert app.service.learning is not None
    [scored] = app.service.learning.store.scored_answers(CHANNEL)
    assert (scored.user_id, scored.score) == (ADA.user_id, 70)
    app.close()


async def test_the_scheduler_hears_a_schedule_change_without_rewiring(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'q.db'}")
    assert app.service.scope == Scope("test")
    heard: list[object] = []
    update = app.scheduler.update

    def spy(channel: ChannelRef, schedule: Schedule) -> None:
        heard.append(channel)
        update(channel, schedule)

    app.scheduler.update = spy  # type: ignore[method-assign]
    await app.start()
    try:
        reply = await app.service.on_command(CommandInvocation(CHANNEL, ADMIN, "schedule", "09:30"))
        assert "Schedule updated" in reply.text
        assert heard == [CHANNEL]  # the scheduler looks at once (bootstrap made it the listener)
    finally:
        await app.stop()
        app.close()
    assert not app.scheduler.running


async def test_the_ops_endpoints_count_what_the_service_does(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'q.db'}", http_port=0, http_host="127.0.0.1")
    await app.start()
    try:
        assert app.ops is not None
        await app.service.daily.post_today(CHANNEL)
        base = f"http://127.0.0.1:{bound_port(app.ops)}"
        async with ClientSession() as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
            async with http.get(f"{base}/metrics") as response:
                text = await response.text()
        assert "qotd_posts_total 1.0" in text
    finally:
        await app.stop()
        app.close()
    assert app.ops is None


def test_without_a_port_no_endpoints_are_served(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'q.db'}")
    assert app.ops is None and type(app.metrics).__name__ == "NoMetrics"
    app.close()


def test_every_adapter_with_a_runner_is_registered_and_every_entry_runs() -> None:
    packages = {path.parent.name for path in (ROOT / "adapters").glob("*/runner.py")}
    assert set(registry.names()) == packages
    for platform in registry.PLATFORMS:
        module = importlib.import_module(platform.module)
        assert callable(module.run), platform.name


@pytest.mark.parametrize(
    ("tokens", "chosen"),
    [
        ({}, "console"),
        ({"discord_token": SecretStr("d")}, "discord"),
        ({"slack_bot_token": SecretStr("xoxb-1"), "discord_token": SecretStr("d")}, "slack"),
    ],
)
def test_the_default_platform_is_the_first_with_a_token(
    tokens: dict[str, SecretStr], chosen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "QOTD_SLACK_BOT_TOKEN", "DISCORD_TOKEN", "QOTD_DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None).model_copy(update=tokens)
    assert registry.default(settings) == chosen
    assert registry.spoken() == "console, slack or discord"
