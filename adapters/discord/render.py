"""Core Replies → Discord embeds, split within Discord's limits.

Discord renders ``[label](url)`` as a masked link, so every text goes through
``bot.core.links.inert``: only the links a Reply declares stay links.
"""

from __future__ import annotations

import discord

from bot.core.commands import REGISTRY
from bot.core.links import inert
from bot.core.model import Reply
from bot.core.registry import Access, Command

EMOJI = {"white_check_mark": "✅", "warning": "⚠️", "speech_balloon": "💬"}

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
MESSAGE_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
COLOUR = discord.Colour.blurple()
MEMBERS, ADMINS = "qotd", "qotd-admin"
"""The two command groups: every member's, and Manage Server's."""


def spelling(command: Command, args: str) -> str:
    """How a member types a core command on Discord: ``/qotd explain lora``, and
    ``/qotd-admin schedule 09:30`` for what only admins may do."""
    changes = command.access is Access.ADMIN_TO_CHANGE and bool(args)
    group = ADMINS if command.admin_only or changes else MEMBERS
    return f"/{group} {command.name} {args}".rstrip()


def emoji(name: str) -> str:
    """The unicode emoji for a neutral reaction name."""
    return EMOJI.get(name, name)


def clip(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis when needed."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunks(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, at paragraph or line breaks."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def embeds(reply: Reply) -> list[discord.Embed]:
    """Every embed of a reply: the first carries title and fields, the last the context."""

    def safe(text: str) -> str:
        return inert(REGISTRY.respell(text, spelling), reply.links)

    parts = chunks(safe(reply.text), DESCRIPTION_LIMIT) or [""]
    result = [discord.Embed(description=part or None, colour=COLOUR) for part in parts]
    if reply.title:
        result[0].title = clip(safe(reply.title), TITLE_LIMIT)
    for field in reply.fields[:FIELDS_PER_EMBED]:
        result[0].add_field(
            name=clip(safe(field.name), FIELD_NAME_LIMIT),
            value=clip(safe(field.value), FIELD_VALUE_LIMIT) or "-",
            inline=True,
        )
    if reply.context:
        result[-1].set_footer(text=clip(safe(reply.context), FOOTER_LIMIT))
    return result


def messages(reply: Reply) -> list[list[discord.Embed]]:
    """The reply's embeds packed into messages of at most 10 embeds and 6000 characters."""
    packed: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds(reply):
        length = len(embed)
        if packed[-1] and (
            size + length > MESSAGE_TOTAL_LIMIT or len(packed[-1]) >= EMBEDS_PER_MESSAGE
        ):
            packed.append([])
            size = 0
        packed[-1].append(embed)
        size += length
    return packed


def thread_name(reply: Reply) -> str:
    """A thread title from a question post (Discord allows 100 characters)."""
    return clip(reply.text.splitlines()[0] if reply.text else reply.title or "Discussion", 100)
