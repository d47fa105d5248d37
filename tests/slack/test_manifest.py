"""The app manifest grants what the adapter uses and what doctor checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack.doctor import SCOPES

MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_manifest_grants_every_scope_doctor_checks() -> None:
    granted = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {scope for scope, _ in SCOPES} == granted


def test_manifest_subscribes_to_thread_replies_mentions_and_dms_in_socket_mode() -> None:
    data = manifest()
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "message.im", "app_mention"} <= events
    assert "member_joined_channel" in events
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    [command] = data["features"]["slash_commands"]
    assert command["command"] == "/qotd" and command["should_escape"] is True


def test_manifest_grants_the_chart_uploads_and_the_home_tab() -> None:
    data = manifest()
    assert {"files:write", "im:write"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in data["settings"]["event_subscriptions"]["bot_events"]
