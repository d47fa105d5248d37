"""The slash commands, built from the core's registry: ``/qotd …`` and ``/qotd-admin …``.

Discord applies default permissions per top-level command, not per subcommand, so the
admin commands live in their own group (the core re-checks Manage Server on every run). A
command everyone may read but only admins change (``schedule``) is in both: without options
under ``/qotd``, with them under ``/qotd-admin``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Literal, Optional

import discord
from discord import app_commands

from adapters.discord.bridge import Bridge
from adapters.discord.render import ADMINS, MEMBERS
from bot.core.commands import REGISTRY
from bot.core.registry import Access, Argument, Command, Kind

MANAGE_SERVER = discord.Permissions(manage_guild=True)
DESCRIPTION_LIMIT = 100
PLATFORM_ONLY = ("doctor",)
"""Commands only Discord has (answered by the bridge, not the core), in /qotd-admin."""


def _annotation(argument: Argument) -> Any:
    if argument.kind is Kind.MEMBER:
        return discord.Member
    if argument.kind is Kind.CHOICE:
        return Literal[argument.choices]
    return app_commands.Range[str, 1, argument.max_length]


def _as_text(value: object) -> str:
    if isinstance(value, discord.abc.User):
        return str(value.id)
    return "" if value is None else str(value)


def _callback(
    bridge: Bridge, command: Command, arguments: tuple[Argument, ...]
) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback whose signature declares the command's arguments as Discord options."""

    async def callback(interaction: discord.Interaction, **values: object) -> None:
        args = " ".join(_as_text(values.get(a.name)) for a in arguments).split()
        await bridge.command(interaction, command.name, " ".join(args))

    ordered = sorted(arguments, key=lambda a: not a.required)
    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for argument in ordered:
        annotation = _annotation(argument)
        parameters.append(
            inspect.Parameter(
                argument.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=annotation if argument.required else Optional[annotation],  # noqa: UP045
                default=inspect.Parameter.empty if argument.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    described = {a.name: a.description[:DESCRIPTION_LIMIT] for a in arguments}
    if described:
        app_commands.describe(**described)(callback)
    return callback


def _slash(
    bridge: Bridge, command: Command, arguments: tuple[Argument, ...]
) -> app_commands.Command[Any, ..., None]:
    summary = command.summary[:1].upper() + command.summary[1:]
    slash: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name,
        description=summary[:DESCRIPTION_LIMIT],
        callback=_callback(bridge, command, arguments),
    )
    if command.name == "explain":
        slash.autocomplete("topic")(_explain_choices(bridge))
    return slash


def _explain_choices(
    bridge: Bridge,
) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return bridge.explain_choices(current)

    return choices


def groups(bridge: Bridge) -> tuple[app_commands.Group, app_commands.Group]:
    """The member and admin groups, one subcommand per registry command."""
    members = app_commands.Group(
        name=MEMBERS,
        description="Question of the day: practise LLM / ML interview questions",
        guild_only=True,
    )
    admins = app_commands.Group(
        name=ADMINS,
        description="Question of the day settings and moderation (Manage Server)",
        guild_only=True,
        default_permissions=MANAGE_SERVER,
    )
    for command in REGISTRY.commands:
        if command.access is Access.ADMIN_TO_CHANGE:
            members.add_command(_slash(bridge, command, ()))
            required = tuple(
                Argument(a.name, a.description, a.kind, True, a.choices, a.max_length)
                for a in command.arguments
            )
            admins.add_command(_slash(bridge, command, required))
        elif command.admin_only:
            admins.add_command(_slash(bridge, command, command.arguments))
        else:
            members.add_command(_slash(bridge, command, command.arguments))

    async def doctor(interaction: discord.Interaction) -> None:
        await bridge.doctor(interaction)

    admins.add_command(
        app_commands.Command(
            name="doctor",
            description="Check the bot's permissions here and say what to fix",
            callback=doctor,
        )
    )
    return members, admins


def register(tree: app_commands.CommandTree[discord.Client], bridge: Bridge) -> None:
    """Add both command groups to the tree."""
    for group in groups(bridge):
        tree.add_command(group)
