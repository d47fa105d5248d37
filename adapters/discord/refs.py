"""Discord objects → the core's references (channels, members, threads)."""

from __future__ import annotations

import discord

from bot.core.model import ChannelRef, MessageRef, UserRef

PLATFORM = "discord"


def channel_ref(channel_id: int, guild_id: int | None) -> ChannelRef:
    """A Discord channel as the core knows it (workspace is the guild id, "" in DMs)."""
    return ChannelRef(PLATFORM, str(guild_id) if guild_id else "", str(channel_id))


def user_ref(user: discord.abc.User, *, is_admin: bool = False) -> UserRef:
    """A Discord member; ``is_admin`` means Manage Server in the channel at hand."""
    return UserRef(PLATFORM, str(user.id), user.display_name, is_admin)


SPOKEN = (discord.MessageType.default, discord.MessageType.reply)
"""Message types that are a member speaking (joins, pins, thread starters … are not)."""


def spoken(message: discord.Message) -> bool:
    """A message a member wrote: not by a bot (this one or another), of a speaking type."""
    return not message.author.bot and message.type in SPOKEN


def question_thread(channel: ChannelRef, thread_id: int) -> MessageRef:
    """A question's thread: Discord gives a thread opened on a message that message's id."""
    return MessageRef(channel, str(thread_id), str(thread_id))


def located(channel: object, guild_id: int | None) -> tuple[ChannelRef, MessageRef | None]:
    """Where something happened: the parent channel, plus the thread when it was in one."""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        parent = channel_ref(channel.parent_id, guild_id)
        return parent, question_thread(parent, channel.id)
    channel_id = getattr(channel, "id", 0)
    return channel_ref(channel_id, guild_id), None


def interaction_user(interaction: discord.Interaction) -> UserRef:
    """The member behind an interaction; admin when they hold Manage Server in that channel."""
    return user_ref(interaction.user, is_admin=interaction.permissions.manage_guild)


def message_target(message: MessageRef) -> tuple[int, int]:
    """(channel id, message id) of a posted message: in its thread unless it started the thread."""
    in_thread = message.thread_id and message.thread_id != message.message_id
    return int(message.thread_id if in_thread else message.channel.channel), int(message.message_id)
