"""The Slack bot assembled: Web API client, Bolt app, and the app ``bootstrap`` builds on them."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.listeners import Listeners
from adapters.slack.members import PLATFORM, Members
from adapters.slack.platform import SlackPlatform
from adapters.slack.signing import SignedRequests
from bot.app import Knowledge, bootstrap
from bot.core.inbox import LEASE
from bot.core.model import Scope
from bot.core.ports import InboxStore
from bot.settings import Settings
from bot.storage.sql_store import SqlStore

log = logging.getLogger(__name__)


class SlackBot:
    """One process's bot; ``start`` (scheduler, catch-up) runs once, however Bolt reconnects."""

    def __init__(
        self,
        client: AsyncWebClient,
        knowledge: Knowledge,
        store: SqlStore,
        inbox: InboxStore,
        *,
        settings: Settings | None = None,
        signing_secret: str = "",
        admin_cache_seconds: float = 300,
        process_before_response: bool = False,
        inbox_lease: timedelta = LEASE,
        **service_options: Any,
    ) -> None:
        """``inbox_lease`` is the inbox's, and the core's for what it leaves to the inbox."""
        members = Members(client, admin_cache_seconds)
        self.platform = SlackPlatform(client, members=members)
        # A test gives no settings: the defaults (and environment), on the store's database.
        settings = settings or Settings(_env_file=None, database_url=store.url)
        self.qotd_app = bootstrap(
            settings,
            self.platform,
            knowledge,
            scope=Scope(PLATFORM),
            store=store,
            inbox_lease=inbox_lease,
            **service_options,
        )
        self.service = self.qotd_app.service
        self.scheduler = self.qotd_app.scheduler
        self.listeners = Listeners(
            self.service,
            members,
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
        self._sweeping: asyncio.Task[None] | None = None
        self._sessions = 0
        self._reposting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the inbox sweep and the app (scheduler, ops endpoints) once per process,
        then catch up on missed posts; events acknowledged but not processed are processed now."""
        if self.scheduler.running:
            return
        self._sweeping = asyncio.create_task(self.listeners.inbox.run())
        await self.catch_up()
        await self.qotd_app.start()
        made = await self.service.catch_up_missed()
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

    async def on_socket_message(
        self, _client: Any, message: dict[str, Any], _raw: str | None
    ) -> None:
        """A Socket Mode message listener: Slack says ``hello`` on every new connection, so a
        hello after the first is a reconnect inside this process (``reconnected``)."""
        if message.get("type") != "hello":
            return
        self._sessions += 1
        if self._sessions > 1:
            await self.reconnected()

    async def reconnected(self) -> None:
        """Socket Mode reconnected: answers posted while it was disconnected may never
        arrive, so the open threads are read back (in the background), and what was due is
        posted (once: the claims decide), as at start-up."""
        if not self.scheduler.running:
            return  # start-up is still to come, and catches up itself
        log.warning("Socket Mode reconnected; catching up on answers and due posts")
        await self.catch_up()
        if self._reposting is None or self._reposting.done():
            self._reposting = asyncio.create_task(self._post_missed())

    async def _post_missed(self) -> None:
        try:
            made = await self.service.catch_up_missed()
        except Exception:
            log.exception("posting what was due after a reconnect failed; the next tick retries")
            return
        log.info("Socket Mode reconnect: %d missed question(s) posted", made)

    def stop(self) -> None:
        """Stop the scheduler, the inbox sweep and answer catch-up (``qotd_app.stop`` also
        stops the ops endpoints)."""
        if self._reposting is not None:
            self._reposting.cancel()
        self.service.catchup.stop()
        self.scheduler.shutdown()
        if self._sweeping is not None:
            self._sweeping.cancel()
            self._sweeping = None
