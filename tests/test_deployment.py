"""docker-compose.yml follows docs/RELIABILITY.md: Discord instances split the shards, tokens
where used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def services() -> dict[str, dict[str, Any]]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # resolves the << merges
    return dict(loaded["services"])


def test_the_discord_instances_split_the_shards_between_them() -> None:
    discord = {n: s for n, s in services().items() if "DISCORD_TOKEN" in s.get("environment", {})}
    assert len(discord) == 2
    shards: list[int] = []
    for service in discord.values():
        assert service["command"] == ["run", "discord"]
        assert service.get("deploy", {}).get("replicas", 1) == 1
        env = service["environment"]
        assert int(env["DISCORD_SHARD_COUNT"]) == len(discord)
        shards += [int(i) for i in str(env["DISCORD_SHARD_IDS"]).split(",")]
    # each guild's events (and its daily posts) belong to exactly one instance
    assert sorted(shards) == list(range(len(discord)))


def test_the_slack_instances_get_only_slack_tokens_and_run_slack() -> None:
    slack = {n: s for n, s in services().items() if "SLACK_BOT_TOKEN" in s.get("environment", {})}
    assert len(slack) == 2
    for service in slack.values():
        assert service["command"] == ["run", "slack"]
        assert "DISCORD_TOKEN" not in service["environment"]


def test_every_instance_has_its_own_id_and_ops_port() -> None:
    bots = [s for n, s in services().items() if n != "db"]
    assert len({s["environment"]["QOTD_INSTANCE_ID"] for s in bots}) == len(bots)
    assert len({p for s in bots for p in s["ports"]}) == len(bots)
    assert all(s["depends_on"]["db"]["condition"] == "service_healthy" for s in bots)


ROOT = COMPOSE.parent


def test_make_offers_the_qotd_command_that_is_not_on_path() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\nqotd: install\n\t$(VENV)/bin/qotd $(ARGS)\n" in makefile
    assert "\nchat: install\n\t$(VENV)/bin/qotd chat\n" in makefile


def test_operations_guide_covers_machine_systemd_one_container_and_offline() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    for needed in ("Maximum resident", "1 GB RAM", "[Service]", "ExecStart=", "docker run -d",
                   "docker save", "--network none"):  # fmt: skip
        assert needed in guide
    assert "docs/operations.md" in (ROOT / "README.md").read_text()
