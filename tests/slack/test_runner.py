"""`qotd run slack`: missing or malformed tokens are explained before anything loads or connects."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.slack import runner
from bot.settings import Settings


def settings(bot: str | None = None, app: str | None = None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=SecretStr(bot) if bot else None,
        slack_app_token=SecretStr(app) if app else None,
    )


@pytest.fixture(autouse=True)
def nothing_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded before the tokens were checked")

    monkeypatch.setattr(runner, "load_knowledge", forbidden)
    for name in ("SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("bot", "app", "http", "says"),
    [
        (None, "xapp-1-A", False, "SLACK_BOT_TOKEN is not set"),
        ("xoxp-123", "xapp-1-A", False, "user token"),
        ("xapp-1-A", "xapp-1-A", False, "goes in SLACK_APP_TOKEN"),
        ("xoxb-1", None, False, "SLACK_APP_TOKEN is not set"),
        ("xoxb-1", "xoxb-1", False, "SLACK_APP_TOKEN must start with xapp-"),
        ("xoxb-1", None, True, "SLACK_SIGNING_SECRET is not set"),
    ],
)
def test_bad_configuration_says_which_variable_and_where_to_get_it(
    bot: str | None, app: str | None, http: bool, says: str
) -> None:
    with pytest.raises(ValueError, match=says) as raised:
        runner.run(settings(bot, app), http=http)
    assert "https://api.slack.com/apps" in str(raised.value)


def test_malformed_api_url_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "slack.com/api")
    with pytest.raises(ValueError, match="SLACK_API_URL"):
        runner.run(settings("xoxb-1", "xapp-1-A"))


def test_signing_secret_holding_a_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "xoxb-oops")
    with pytest.raises(ValueError, match="holds a token"):
        runner.run(settings("xoxb-1"), http=True)
