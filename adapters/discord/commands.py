"""The slash commands: ``/qotd …`` for everyone, ``/qotd-admin …`` for Manage Server."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.bridge import Bridge

# Discord applies default permissions per top-level command, not per subcommand: the settings
# commands therefore live in their own group. The core re-checks Manage Server on every run.
MANAGE_SERVER = discord.Permissions(manage_guild=True)


class MemberCommands(
    app_commands.Group,
    name="qotd",
    description="Question of the day: practise LLM / ML interview questions",
    guild_only=True,
):
    """Commands every member can use."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge

    @app_commands.command(description="Show today's question (posting it if it isn't yet)")
    async def today(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "today")

    @app_commands.command(description="Explain a topic or question from the reference answers")
    @app_commands.describe(topic="A topic or question, e.g. LoRA or 'why KV cache'")
    async def explain(
        self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 500]
    ) -> None:
        await self.bridge.command(interaction, "explain", topic)

    @explain.autocomplete("topic")
    async def explain_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.bridge.explain_choices(current)

    @app_commands.command(description="The topics in the question bank")
    async def topics(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "topics")

    @app_commands.command(description="When this channel gets its daily question")
    async def schedule(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "schedule")

    @app_commands.command(description="Your progress (or another member's) in this channel")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        await self.bridge.command(interaction, "stats", str(member.id) if member else "")

    @app_commands.command(description="Top members by points")
    @app_commands.describe(period="week (default), month or all time")
    async def leaderboard(
        self, interaction: discord.Interaction, period: Literal["week", "month", "all"] = "week"
    ) -> None:
        await self.bridge.command(interaction, "leaderboard", period)

    @app_commands.command(description="A private practice card; answer it with the answer option")
    @app_commands.describe(answer="Your answer to the card (or 'nudge on' / 'nudge off')")
    async def practice(
        self,
        interaction: discord.Interaction,
        answer: app_commands.Range[str, 1, 4000] | None = None,
    ) -> None:
        await self.bridge.command(interaction, "practice", answer or "")

    @app_commands.command(name="help", description="What the bot does and how to use it")
    async def help_(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "help")


class AdminCommands(
    app_commands.Group,
    name="qotd-admin",
    description="Question of the day settings (Manage Server)",
    guild_only=True,
    default_permissions=MANAGE_SERVER,
):
    """Settings and moderation; hidden from members without Manage Server by default."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge

    @app_commands.command(description="Change this channel's schedule (time, days, topics …)")
    @app_commands.describe(
        settings="e.g. '09:30 Europe/Paris', 'days=mon-fri', 'reveal=8h', 'topics=any', "
        "'difficulty=hard', 'pause', 'resume'"
    )
    async def schedule(
        self, interaction: discord.Interaction, settings: app_commands.Range[str, 1, 300]
    ) -> None:
        await self.bridge.command(interaction, "schedule", settings)

    @app_commands.command(description="Reveal today's answer in its thread now")
    async def reveal(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "reveal")

    @app_commands.command(description="Replace today's question with another one")
    async def skip(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "skip")

    @app_commands.command(description="Check the bot's permissions here and say what to fix")
    async def doctor(self, interaction: discord.Interaction) -> None:
        await self.bridge.doctor(interaction)


def register(tree: app_commands.CommandTree[discord.Client], bridge: Bridge) -> None:
    """Add both command groups to the tree."""
    tree.add_command(MemberCommands(bridge))
    tree.add_command(AdminCommands(bridge))
