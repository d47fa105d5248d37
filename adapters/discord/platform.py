"""The ChatPlatform port on Discord: embeds, threads, ephemeral follow-ups, DMs, reactions."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import discord

from adapters.discord import refs, render, views
from adapters.discord.refs import message_target
from bot.core.model import ChannelRef, IncomingMessage, MessageRef, Reply, ThreadPage, UserRef
from bot.core.ports import PlatformError

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
HISTORY_LIMIT = 500
"""How many channel messages ``find_question`` reads at most, oldest first from the claim."""


@dataclass
class Pending:
    """The interaction being handled, so private replies become its ephemeral follow-ups."""

    interaction: discord.Interaction
    said: bool = False


PENDING: ContextVar[Pending | None] = ContextVar("qotd_discord_interaction", default=None)

DMS_CLOSED = (
    "<@{user}> I couldn't send you a direct message, so your reply stays private: allow DMs "
    "from server members (server menu → Privacy Settings), or use the **Check my answer** "
    "button on the question to get feedback right here, visible only to you."
)


async def respond(interaction: discord.Interaction, reply: Reply, *, ephemeral: bool) -> None:
    """Send ``reply`` as the interaction's response (or follow-ups once it is answered)."""
    view = views.question_view(reply.buttons, "") if reply.buttons else discord.utils.MISSING
    for n, embeds in enumerate(render.messages(reply)):
        first_view = view if n == 0 else discord.utils.MISSING
        if not interaction.response.is_done():
            await interaction.response.send_message(
                embeds=embeds, view=first_view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.followup.send(
                embeds=embeds, view=first_view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
            )


class DiscordPlatform:
    """Implements the core's ChatPlatform with a discord.py client."""

    def __init__(self, client: discord.Client, *, ping_role_id: int | None = None) -> None:
        self._client = client
        self._ping_role_id = ping_role_id

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        """The question embed with its buttons, then a public thread opened on it.

        The key's token is the message's nonce, enforced, so Discord does not post a resend
        of the same question twice within a few minutes; it is also the value of the answer
        button, which ``find_question`` looks for later.
        """
        message: discord.Message | None = None
        token = views.key_token(key)
        try:
            target = await self._text_channel(channel)
            first, *more = render.messages(reply)
            content, mentions = self._ping(target)
            message = await target.send(
                content=content,
                embeds=first,
                view=views.question_view(reply.buttons, token),
                allowed_mentions=mentions,
                nonce=token,
            )
            thread = await message.create_thread(
                name=render.thread_name(reply), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            for embeds in more:
                await thread.send(embeds=embeds, allowed_mentions=NO_PINGS)
        except (discord.Forbidden, discord.NotFound) as exc:
            # The core pauses the channel (and logs it) on a permanent error.
            raise PlatformError(
                f"Discord refused channel {channel.channel}: {exc}", permanent=True
            ) from exc
        except discord.DiscordServerError as exc:
            if message is not None:  # posted: a retry would post the question twice
                log.warning("question posted in %s but its thread failed: %s", channel, exc)
                return MessageRef(channel, str(message.id), str(message.id))
            raise PlatformError(f"Discord is unavailable: {exc}") from exc
        return MessageRef(channel, str(message.id), str(thread.id))

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        """This bot's message posted since ``since`` with the key's answer button, its thread
        opened now if the instance that posted it died first.

        Reads the channel's history oldest first from ``since``, at most HISTORY_LIMIT
        messages (thread replies live in the threads, not in the channel's history).
        """
        me = self._client.user
        token = views.key_token(key)
        try:
            target = await self._text_channel(channel)
            async for message in target.history(limit=HISTORY_LIMIT, after=since):
                if me is not None and message.author.id == me.id and views.carries(message, token):
                    return MessageRef(channel, str(message.id), str(await self._thread_of(message)))
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PlatformError(
                f"Discord refused channel {channel.channel}: {exc}", permanent=True
            ) from exc
        except discord.DiscordServerError as exc:
            raise PlatformError(f"Discord is unavailable: {exc}") from exc
        log.warning("no question with key %s in %d messages of %s", key, HISTORY_LIMIT, channel)
        return None

    async def _thread_of(self, message: discord.Message) -> int:
        """The id of the thread on a question post, opening it if it was never opened."""
        if message.thread is not None:
            return message.thread.id
        question = message.embeds[0].description if message.embeds else None
        name = render.thread_name(Reply(text=question or "", title="Discussion"))
        thread = await message.create_thread(
            name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
        )
        return thread.id

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        """Post in the question's thread (or as a reply to a message outside threads)."""
        sent: discord.Message | None = None
        try:
            for embeds in render.messages(reply):
                sent = await self._send_near(thread, embeds=embeds)
        except discord.Forbidden as exc:
            raise PlatformError(
                f"Discord refused thread {thread.thread_id}: {exc}", permanent=True
            ) from exc
        message_id = str(sent.id) if sent else ""
        return MessageRef(thread.channel, message_id, thread.thread_id)

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Ephemeral follow-up to the member's pending interaction, else a DM (or a note)."""
        pending = PENDING.get()
        if pending is not None and str(pending.interaction.user.id) == user.user_id:
            pending.said = True
            await respond(pending.interaction, reply, ephemeral=True)
            return
        try:
            dm = await self._client.create_dm(discord.Object(int(user.user_id)))
            for embeds in render.messages(reply):
                await dm.send(embeds=embeds, allowed_mentions=NO_PINGS)
        except discord.Forbidden:
            log.info("DMs closed for user %s in %s", user.user_id, channel)
            if thread is not None:
                try:
                    await self._send_near(thread, content=DMS_CLOSED.format(user=user.user_id))
                except discord.HTTPException:
                    log.warning("could not tell user %s that DMs are closed", user.user_id)

    async def thread_messages(self, thread: MessageRef, after: str, limit: int) -> ThreadPage:
        """Members' messages in a question thread after the message ``after``, oldest first
        (``GET /channels/{thread}/messages?after=…``, 100 a page), from at most ``limit``."""
        guild = int(thread.channel.workspace) if thread.channel.workspace else None
        target = self._client.get_partial_messageable(int(thread.thread_id), guild_id=guild)
        me = self._client.user
        found: list[IncomingMessage] = []
        last, read = "", 0
        try:
            async for message in target.history(
                limit=limit, after=discord.Object(int(after)), oldest_first=True
            ):
                read, last = read + 1, str(message.id)
                if refs.spoken(message):
                    found.append(
                        IncomingMessage(
                            channel=thread.channel,
                            user=refs.user_ref(message.author),
                            text=message.content,
                            message=MessageRef(thread.channel, last, thread.thread_id),
                            thread=thread,
                            mentions_bot=me is not None
                            and any(m.id == me.id for m in message.mentions),
                        )
                    )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PlatformError(
                f"Discord refused thread {thread.thread_id}: {exc}", permanent=True
            ) from exc
        except discord.DiscordServerError as exc:
            raise PlatformError(f"Discord is unavailable: {exc}") from exc
        return ThreadPage(tuple(found), last, more=read == limit)

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Add a unicode reaction for a neutral name such as ``white_check_mark``."""
        channel_id, message_id = message_target(message)
        partial = self._client.get_partial_messageable(channel_id).get_partial_message(message_id)
        await partial.add_reaction(render.emoji(emoji))

    async def _send_near(
        self, ref: MessageRef, *, embeds: list[discord.Embed] | None = None, content: str = ""
    ) -> discord.Message:
        if ref.thread_id:
            target = self._client.get_partial_messageable(int(ref.thread_id))
            return await target.send(
                content=content or None, embeds=embeds or [], allowed_mentions=NO_PINGS
            )
        channel = self._client.get_partial_messageable(int(ref.channel.channel))
        return await channel.send(
            content=content or None,
            embeds=embeds or [],
            reference=channel.get_partial_message(int(ref.message_id)).to_reference(
                fail_if_not_exists=False
            ),
            allowed_mentions=NO_PINGS,
        )

    async def _text_channel(self, channel: ChannelRef) -> discord.TextChannel:
        found = self._client.get_channel(int(channel.channel))
        if found is None:
            found = await self._client.fetch_channel(int(channel.channel))
        if not isinstance(found, discord.TextChannel):
            raise TypeError(f"Discord channel {channel.channel} is not a text channel")
        return found

    def _ping(self, target: discord.TextChannel) -> tuple[str | None, discord.AllowedMentions]:
        role = target.guild.get_role(self._ping_role_id) if self._ping_role_id else None
        if role is None:
            return None, NO_PINGS
        return role.mention, discord.AllowedMentions(everyone=False, users=False, roles=[role])
