"""The Slack bot assembled: Web API client, Bolt app, core service, scheduler (started once)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.listeners import Listeners
from adapters.slack.members import PLATFORM, Members
from adapters.slack.platform import SlackPlatform
from adapters.slack.signing import SignedRequests
from bot.app import Knowledge
from bot.core.inbox import LEASE
from bot.core.model import ChannelRef, Schedule
from bot.core.ports import InboxStore, PlatformError, Store
from bot.core.service import QotdService
from bot.scheduling import DailyScheduler

log = logging.getLogger(__name__)


class SlackBot:
    """One process's bot; ``start`` (scheduler, catch-up) runs once, however Bolt reconnects."""

    def __init__(
        self,
        client: AsyncWebClient,
        knowledge: Knowledge,
        store: Store,
        inbox: InboxStore,
        *,
        signing_secret: str = "",
        admins: frozenset[str] = frozenset(),
        admin_cache_seconds: float = 300,
        process_before_response: bool = False,
        inbox_lease: timedelta = LEASE,
        **service_options: Any,
    ) -> None:
        members = Members(client, admin_cache_seconds)
        self.platform = SlackPlatform(client, on_channel_lost=self.pause_channel, members=members)
        self.service = QotdService(
            knowledge.bank.items,
            store,
            self.platform,
            knowledge.retriever,
            knowledge.grader,
            admins=admins,
            on_schedule_change=self.schedule_changed,
            **service_options,
        )
        self.scheduler = DailyScheduler(self.service)
        self.listeners = Listeners(
            self.service,
            members,
            self.channel_seen,
            inbox,
            inline=process_before_response,
            lease=inbox_lease,
        )
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            process_before_response=process_before_response,
            request_verification_enabled=False,  # replaced by SignedRequests, just as early
            before_authorize=SignedRequests(signing_secret),
        )
        self.listeners.register(self.app)
        self._known: set[ChannelRef] = set()
        self._sweeping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the daily scheduler and the inbox sweep (once per process), then catch up
        on missed posts; events acknowledged but not processed before are processed now."""
        if self.scheduler.running:
            return
        self._sweeping = asyncio.create_task(self.listeners.inbox.run())
        await self.catch_up()
        store = self.service.store
        self.scheduler.start(await asyncio.to_thread(store.list_channels))
        made = await self.service.start()
        log.info("qotd on Slack started; %d missed question(s) posted", made)

    async def catch_up(self) -> None:
        """Grade, in the background, answers posted in this workspace's open question threads
        while the bot was down (Slack resends nothing for that time)."""
        try:
            team = str((await self.platform.client.auth_test()).get("team_id") or "")
        except Exception:
            log.warning("auth.test failed, so answers posted while down are not caught up")
            return
        self.service.catch_up_answers(PLATFORM, lambda channel: channel.workspace == team)

    def stop(self) -> None:
        """Stop the scheduler, the inbox sweep and answer catch-up."""
        self.service.catchup.stop()
        self.scheduler.shutdown()
        if self._sweeping is not None:
            self._sweeping.cancel()
            self._sweeping = None

    def schedule_changed(self, channel: ChannelRef, schedule: Schedule) -> None:
        """The core's schedule listener: reschedule the channel's daily slot."""
        if self.scheduler.running:
            self.scheduler.update(channel, schedule)

    async def channel_seen(self, channel: ChannelRef) -> None:
        """A channel the bot is used in: registered (default schedule) the first time.

        A DM with the bot is registered paused: `/qotd today` there still posts on demand, but
        no daily question follows (a member could not pause it: that needs an admin).
        """
        if channel in self._known:
            return
        self._known.add(channel)
        store = self.service.store
        if await asyncio.to_thread(store.get_schedule, channel) is not None:
            return
        if channel.channel.startswith("D"):
            await asyncio.to_thread(store.set_schedule, channel, Schedule(paused=True))
            return
        schedule = await asyncio.to_thread(store.ensure_channel, channel)
        log.info("new Slack channel %s registered for daily questions", channel.channel)
        self.schedule_changed(channel, schedule)

    async def pause_channel(self, channel: ChannelRef, error: PlatformError) -> None:
        """Slack refused the channel for good (removed, archived): stop posting until resumed."""
        store = self.service.store
        schedule = await asyncio.to_thread(store.ensure_channel, channel)
        if not schedule.paused:
            paused = replace(schedule, paused=True)
            await asyncio.to_thread(store.set_schedule, channel, paused)
            self.schedule_changed(channel, paused)
        log.warning(
            "paused daily questions in Slack channel %s (team %s): %s. Invite the bot back "
            "(`/invite @qotd`), check with `/qotd doctor`, then `/qotd schedule resume`.",
            channel.channel,
            channel.workspace,
            error,
        )
