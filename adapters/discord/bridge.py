"""Inbound translation: Discord messages, commands, clicks and modals → QotdService calls."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from adapters.discord import doctor, refs
from adapters.discord.platform import PENDING, Pending, respond
from bot.core.model import ChannelRef, CommandInvocation, IncomingMessage, MessageRef, Reply
from bot.core.service import QotdService

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 2.0
"""Discord wants an answer within 3 s: slower work is deferred ("thinking…") and followed up."""

MAX_CHOICES = 25
NOT_GRADED = Reply(
    private=True,
    text="Not graded: that didn't look like an answer to the question. Give it a try in a "
    "sentence or two about the question itself.",
)
FAILED = Reply(private=True, text="Something went wrong on my side; please try again in a minute.")


class Bridge:
    """Turns Discord events into core calls; the core's answers go out through the platform."""

    def __init__(self, client: discord.Client, service: QotdService) -> None:
        self._client = client
        self.service = service
        self._parents: dict[int, int] = {}

    # ----- messages ---------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        """A member's message: an answer in a question thread, a mention, or a DM."""
        if not refs.spoken(message):
            return
        guild_id = message.guild.id if message.guild else None
        channel, thread = await self._locate(message.channel, guild_id)
        is_admin = False
        if isinstance(message.author, discord.Member) and isinstance(
            message.channel, discord.TextChannel | discord.Thread
        ):
            is_admin = message.channel.permissions_for(message.author).manage_guild
        me = self._client.user
        incoming = IncomingMessage(
            channel=channel,
            user=refs.user_ref(message.author, is_admin=is_admin),
            text=message.content,
            message=MessageRef(channel, str(message.id), thread.thread_id if thread else ""),
            thread=thread,
            is_direct=message.guild is None,
            mentions_bot=me is not None and any(m.id == me.id for m in message.mentions),
        )
        await self.service.on_message(incoming)

    async def _locate(
        self, channel: object, guild_id: int | None
    ) -> tuple[ChannelRef, MessageRef | None]:
        if isinstance(channel, discord.PartialMessageable) and guild_id:
            # A thread the cache doesn't know (created before a restart): ask for its parent once.
            parent = self._parents.get(channel.id)
            if parent is None:
                fetched = await self._client.fetch_channel(channel.id)
                parent = fetched.parent_id if isinstance(fetched, discord.Thread) else 0
                self._parents[channel.id] = parent or 0
            if parent:
                parent_ref = refs.channel_ref(parent, guild_id)
                return parent_ref, refs.question_thread(parent_ref, channel.id)
        return refs.located(channel, guild_id)

    # ----- interactions -----------------------------------------------------------------
    async def command(self, interaction: discord.Interaction, name: str, args: str = "") -> None:
        """A ``/qotd`` subcommand handled by the core."""
        channel, thread = refs.located(interaction.channel, interaction.guild_id)
        user = refs.interaction_user(interaction)
        invocation = CommandInvocation(channel, user, name, args, thread)
        await self.run(interaction, lambda: self.service.on_command(invocation))

    async def doctor(self, interaction: discord.Interaction) -> None:
        """The Discord-only permission and intent check."""
        mention = getattr(interaction.channel, "mention", "this channel")
        reply = doctor.diagnose(
            interaction.app_permissions,
            self._client.intents,
            self._client.application_flags,
            mention,
        )
        await respond(interaction, reply, ephemeral=True)

    async def on_button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        """A click on a question's button (explain related, reveal, skip)."""
        channel, _ = refs.located(interaction.channel, interaction.guild_id)
        user = refs.interaction_user(interaction)
        await self.run(interaction, lambda: self.service.on_action(action, value, channel, user))

    async def on_answer(self, interaction: discord.Interaction, thread_id: int, text: str) -> None:
        """An answer from the modal: graded like a message in the question's thread."""
        channel, _ = refs.located(interaction.channel, interaction.guild_id)
        incoming = IncomingMessage(
            channel=channel,
            user=refs.interaction_user(interaction),
            text=text,
            thread=refs.question_thread(channel, thread_id),
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        pending = Pending(interaction)
        token = PENDING.set(pending)
        try:
            await self.service.on_message(incoming)
        except Exception:
            log.exception("grading a modal answer failed")
            await respond(interaction, FAILED, ephemeral=True)
            return
        finally:
            PENDING.reset(token)
        if not pending.said:
            await respond(interaction, NOT_GRADED, ephemeral=True)

    async def run(
        self, interaction: discord.Interaction, work: Callable[[], Awaitable[Reply]]
    ) -> None:
        """Run core work for an interaction, deferring when it takes longer than Discord waits."""
        token = PENDING.set(Pending(interaction))
        try:
            task = asyncio.ensure_future(work())
        finally:
            PENDING.reset(token)
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_SECONDS)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            reply = await task
        except Exception:
            log.exception("handling an interaction failed")
            reply = FAILED
        await respond(interaction, reply, ephemeral=reply.private)

    def explain_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for explain: matching topics first, then questions with answers."""
        needle = current.strip().lower()
        topics = sorted({item.topic for item in self.service.items})
        names = [t for t in topics if needle in t.lower()]
        names += [
            item.question
            for item in self.service.items
            if not item.is_prompt and needle in item.question.lower()
        ]
        return [
            app_commands.Choice(name=name[:100], value=name[:100]) for name in names[:MAX_CHOICES]
        ]
