"""The command registry: each command declared once, for dispatch, /help and every platform.

A platform reads the registry to build its own surface (Discord's command tree, Slack's
``/qotd`` subcommands, the console) and supplies a ``Spelling``: how a member types a
command there. The core writes commands in its texts as ``/name args``; ``respell`` turns
them into the platform's spelling, so no platform tells its members to type what it lacks.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.core.model import CommandInvocation, Reply

if TYPE_CHECKING:
    from bot.core.service import QotdService


class Access(StrEnum):
    """Who may run a command."""

    EVERYONE = "everyone"
    ADMIN = "admin"
    ADMIN_TO_CHANGE = "admin to change"
    """Everyone may read (no arguments); changing it (with arguments) needs an admin."""


class Kind(StrEnum):
    """What an argument holds, so a platform can offer the right input."""

    TEXT = "text"
    MEMBER = "member"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a command; the core receives every argument joined in one string."""

    name: str
    description: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 500


Handler = Callable[["QotdService", CommandInvocation], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its name, who may run it, its arguments and usage, and its handler."""

    name: str
    summary: str
    handler: Handler
    access: Access = Access.EVERYONE
    arguments: tuple[Argument, ...] = ()
    usage: str = ""
    """The arguments as /help shows them, e.g. ``<topic or question>``."""
    more: str = ""
    """A second /help sentence (other forms of the command)."""

    @property
    def admin_only(self) -> bool:
        """Whether only admins may run it at all."""
        return self.access is Access.ADMIN


@dataclass(frozen=True, slots=True)
class Action:
    """A button: clicking it runs ``command`` with the button's value as its arguments."""

    name: str
    command: str
    typed: str = "{value}"
    """How the same thing is typed, as the command's arguments (``{value} <reason>``)."""


Spelling = Callable[[Command, str], str]
"""How a member types ``command`` with ``args`` on a platform: ``/qotd explain lora``."""


def plain_spelling(command: Command, args: str) -> str:
    """The core's own spelling (the console): ``/name args``."""
    return f"/{command.name} {args}".rstrip()


class Registry:
    """The declared commands and buttons, looked up by name."""

    def __init__(self, commands: Sequence[Command], actions: Sequence[Action] = ()) -> None:
        self.commands = tuple(commands)
        self.actions = {action.name: action for action in actions}
        self._by_name = {command.name: command for command in self.commands}
        names = "|".join(sorted(self._by_name, key=len, reverse=True))
        self._code = re.compile(r"`/(" + names + r")\b([^`\n]*)`")
        self._bare = re.compile(r"(?<![\w/`])/(" + names + r")\b")

    @property
    def names(self) -> tuple[str, ...]:
        """Every command name, in declaration order."""
        return tuple(self._by_name)

    def get(self, name: str) -> Command | None:
        """The command called ``name`` (case-insensitive, leading slash ignored)."""
        return self._by_name.get(name.lower().lstrip("/"))

    def help_lines(self) -> list[str]:
        """One Markdown bullet per command, in the core's spelling."""
        lines = []
        for command in self.commands:
            typed = f"`/{command.name}{' ' + command.usage if command.usage else ''}`"
            who = " (admins)" if command.admin_only else ""
            more = f"; {command.more}" if command.more else ""
            lines.append(f"- {typed}: {command.summary}{more}{who}")
        return lines

    def button_as_command(self, action: str, value: str) -> str:
        """A button as the command a member would type instead (``/reject 3 <reason>``)."""
        found = self.actions.get(action)
        if found is None:
            return f"/{action}"
        return f"/{found.command} {found.typed.format(value=value)}".rstrip()

    def respell(self, markdown: str, spelling: Spelling) -> str:
        """``markdown`` with every ``/name args`` written as the platform spells it."""

        def code(match: re.Match[str]) -> str:
            command = self._by_name[match.group(1)]
            return f"`{spelling(command, match.group(2).strip())}`"

        def bare(match: re.Match[str]) -> str:
            return spelling(self._by_name[match.group(1)], "")

        return self._bare.sub(bare, self._code.sub(code, markdown))
