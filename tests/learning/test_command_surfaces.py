"""Every command of the registry exists on every platform, and /help names only what does."""

from __future__ import annotations

import re
from unittest.mock import MagicMock

from adapters.discord import render as discord_render
from adapters.discord.commands import PLATFORM_ONLY, groups
from adapters.slack import render as slack_render
from adapters.slack.listeners import ACTIONS
from bot.core import replies
from bot.core.commands import REGISTRY
from bot.core.model import Reply
from bot.core.registry import Access
from tests.learning.conftest import CONSOLE_CHANNEL, MEMBER, Console

HELP = Reply(text=replies.help_text(REGISTRY.help_lines()))


def discord_tree() -> dict[str, dict[str, set[str]]]:
    """group → subcommand → option names, as the Discord tree declares them."""
    tree: dict[str, dict[str, set[str]]] = {}
    for group in groups(MagicMock()):
        tree[group.name] = {c.name: {p.name for p in c.parameters} for c in group.commands}
    return tree


def test_every_command_is_in_the_discord_tree_with_its_arguments() -> None:
    tree = discord_tree()
    for command in REGISTRY.commands:
        options = {a.name for a in command.arguments}
        if command.access is Access.ADMIN_TO_CHANGE:
            assert tree["qotd"][command.name] == set()
            assert tree["qotd-admin"][command.name] == options
        else:
            group = "qotd-admin" if command.admin_only else "qotd"
            assert tree[group][command.name] == options, command.name
    expected = {c.name for c in REGISTRY.commands} | set(PLATFORM_ONLY)
    assert set(tree["qotd"]) | set(tree["qotd-admin"]) == expected


def test_discord_help_names_only_commands_discord_has() -> None:
    tree = discord_tree()
    text = " ".join(e.description or "" for e in discord_render.embeds(HELP))
    typed = re.findall(r"/(qotd(?:-admin)?) ([a-z]+)", text)
    assert {name for _, name in typed} == set(REGISTRY.names)
    assert all(name in tree[group] for group, name in typed), typed
    assert not re.search(r"(?<![\w/-])/(?!qotd)[a-z]+", text)  # no bare /reveal or /skip


def test_slack_help_spells_every_command_as_a_qotd_subcommand() -> None:
    text = " ".join(b["text"]["text"] for b in slack_render.blocks(HELP) if b["type"] == "section")
    assert {m for m in re.findall(r"/qotd ([a-z]+)", text)} == set(REGISTRY.names)
    assert not re.search(r"(?<![\w/])/(?!qotd)[a-z]+", text)


def test_every_button_of_the_registry_reaches_slacks_action_listener() -> None:
    assert all(ACTIONS.match(name) for name in REGISTRY.actions)
    assert not ACTIONS.match("answer")


async def test_every_command_is_understood_by_the_console(console: Console) -> None:
    for name in REGISTRY.names:
        reply = await console.service.on_text_command(CONSOLE_CHANNEL, MEMBER, f"/{name}")
        assert "Unknown command" not in reply.text and "Try `/help`" not in reply.text, name
