"""The one entry point adapters call: messages, commands, button actions and scheduler ticks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

from bot.core import home, replies
from bot.core.catchup import AnswerCatchUp, NotYet, Serves
from bot.core.channels import Channels
from bot.core.commands import (
    MAX_QUERY_CHARS,
    REGISTRY,
    clean_text,
    closest_command,
    explain_query,
    short_ask,
    split_command,
    unknown_command,
)
from bot.core.daily import CLAIM_TIMEOUT, DEFAULT_RETRY, DailySession, RetryPolicy
from bot.core.inbox import LEASE
from bot.core.instances import HEARTBEAT, Presence
from bot.core.learning import Learning
from bot.core.live import LiveBank, LiveSearch
from bot.core.marks import on_marks_thread
from bot.core.memory import ChannelMemory
from bot.core.model import (
    Attempt,
    ChannelRef,
    CommandInvocation,
    Form,
    Grade,
    IncomingMessage,
    Item,
    LiveItem,
    MessageRef,
    Outcome,
    Reply,
    Schedule,
    Scope,
    UserRef,
)
from bot.core.pacing import PacedPlatform, Pacer
from bot.core.ports import (
    ChartDrawer,
    ChatPlatform,
    Grader,
    ItemRules,
    LearningStore,
    Metrics,
    NoMetrics,
    PlatformError,
    Searcher,
    Store,
)
from bot.core.ratelimit import RateLimiter, slow_down
from bot.core.registry import Access
from bot.core.schedules import ScheduleError
from bot.core.selection import NothingToAsk
from bot.core.suggestions import Suggestions

log = logging.getLogger(__name__)

ScheduleListener = Callable[[ChannelRef, Schedule], None]

_SAID: ContextVar[list[Reply] | None] = ContextVar("qotd_said", default=None)
"""What the core said while handling the current message (see ``QotdService.on_message``)."""


def _note(reply: Reply) -> None:
    said = _SAID.get()
    if said is not None:
        said.append(reply)


MARK_RETRY_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0)
"""Waits between tries to record feedback as sent (about two minutes in all)."""
MARK_RETRY = timedelta(seconds=sum(MARK_RETRY_SECONDS))


def unsent_grace(lease: timedelta) -> timedelta:
    """How long an answer stored without its feedback may still be in another process's
    hands; catch-up sends it only after that. A living instance sends and records the
    feedback within ``MARK_RETRY`` of storing it (renewing its inbox claim meanwhile); a
    dead one's delivery is taken up by the inbox a lease after its last renewal, plus up
    to a quarter lease until the next sweep. 3 min 15 s with the default 60 s lease."""
    return MARK_RETRY + lease + lease / 4


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class QotdService:
    """Platform-agnostic qotd: adapters translate platform events into these calls."""

    def __init__(
        self,
        items: Sequence[Item],
        store: Store,
        platform: ChatPlatform,
        retriever: Searcher,
        grader: Grader,
        *,
        admins: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
        on_schedule_change: ScheduleListener | None = None,
        rate_limit_per_minute: int = 10,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        metrics: Metrics | None = None,
        learning: LearningStore | None = None,
        charts: ChartDrawer | None = None,
        scope: Scope | None = None,
        post_rate: float = 0.0,
        item_rules: ItemRules | None = None,
        heartbeat: timedelta = HEARTBEAT,
        inbox_lease: timedelta = LEASE,
    ) -> None:
        # The bank files' items (seen everywhere), and the live items: approved suggestions,
        # each seen in its workspace only (``items_for``).
        self.items = tuple(items)
        self.live = LiveBank(learning, items)
        self.live_items: tuple[Item, ...] = tuple(self.live.load())
        running = (*self.items, *self.live_items)
        self.scope = scope or Scope()
        """The channels this instance serves in scheduled work (its platform, its shards)."""
        self.store = store
        self.platform = platform
        # Scheduled work (posts, reveals, hints, recaps) goes at the platform's pace.
        self.pacer = Pacer(post_rate)
        scheduled = cast(ChatPlatform, PacedPlatform(platform, self.pacer))
        self.retriever = LiveSearch(retriever, self.live.hidden)
        self.retriever.add(self.live_items)
        self.grader = grader
        # Channel memory: with the learning loop, daily selection sees each channel's weak topics.
        self.memory = ChannelMemory(learning, running, clock) if learning is not None else None
        self.commands = REGISTRY
        self.channels = Channels(store, on_schedule_change)
        self.metrics: Metrics = metrics or NoMetrics()
        """Where counters and timings go (Prometheus when the HTTP port is enabled)."""
        # The pace is shared with the platform's other live instances, whose dead shards this
        # one takes over (``bot.core.instances``).
        self.presence = Presence(
            store, self.pacer, clock, rate=post_rate, interval=heartbeat, metrics=self.metrics
        )
        self.daily = DailySession(
            running,
            store,
            scheduled,
            clock,
            claim_timeout=claim_timeout,
            retry=retry,
            metrics=self.metrics,
            channels=self.channels,
            weak_topics=self.memory.weak_topics if self.memory is not None else None,
        )
        self.daily.visible = self.live.visible
        self._admins = admins
        self._clock = clock
        self.unsent_grace = unsent_grace(inbox_lease)
        """Catch-up leaves an answer stored without feedback this long to the inbox."""
        self.limiter = RateLimiter(rate_limit_per_minute, clock)
        self.learning = (
            Learning(running, learning, store, scheduled, grader, clock, charts)
            if learning
            else None
        )
        if self.learning is not None:
            self.learning.practice.visible = self.live.visible
        self.suggestions = (
            Suggestions(
                running,
                learning,
                store,
                platform,
                self.retriever,
                clock,
                rules=item_rules,
                publisher=self,
            )
            if learning
            else None
        )
        self.catchup = AnswerCatchUp(store, platform, self._caught_up, clock)
        self.daily.before_reveal = self.catchup.post

    # ----- inbound events -------------------------------------------------------------
    async def on_message(self, message: IncomingMessage) -> Outcome:
        """A member's message: an answer attempt in a question thread, or an explain request.

        Returns what happened: what was said to the member, or why nothing was.
        """
        said: list[Reply] = []
        token = _SAID.set(said)
        try:
            ignored = await self._handle_message(message)
        finally:
            _SAID.reset(token)
        return Outcome(tuple(said), "" if said else ignored)

    async def on_answer(self, message: IncomingMessage) -> Outcome:
        """An answer the member submitted as one (a form, the console): graded like a thread
        message, and when it is not graded the member hears why."""
        outcome = await self.on_message(message)
        if outcome.said:
            return outcome
        await self._private(message, replies.NOT_GRADED)
        return Outcome((replies.NOT_GRADED,), outcome.ignored)

    async def _handle_message(self, message: IncomingMessage) -> str:
        """Handle a message; returns why it was ignored (read only when nothing was said)."""
        text = message.text
        if not clean_text(text):
            return "empty"
        query = explain_query(text)
        if message.thread is not None and query is None and not message.mentions_bot:
            await self._answer_attempt(message)
            return "not an answer to grade"
        if not (message.is_direct or message.mentions_bot or query is not None):
            return "not addressed to the bot"
        where = message.thread or message.message
        if query is None:
            command = split_command(text)
            if command and command[0] != "explain":
                reply = await self.on_command(
                    CommandInvocation(
                        message.channel, message.user, command[0], command[1], message.thread
                    )
                )
                await self._say(message.channel, message.user, where, reply)
                return ""
            query = command[1] if command else clean_text(text)
        reply = self.over_limit(message.user) or await self.explain(query, where=message.channel)
        await self._say(message.channel, message.user, where, reply)
        return ""

    async def on_command(self, command: CommandInvocation) -> Reply:
        """A slash command; the returned Reply is the response to its invoker."""
        name = command.name.lower().lstrip("/")
        declared = self.commands.get(name)
        if declared is None:
            guess = closest_command(name)
            meant = f" Did you mean `/{guess}`?" if guess else ""
            return Reply(
                private=True,
                text=f"Unknown command `/{replies.clip(name, 40)}`.{meant} "
                "Try `/help` to see what I can do.",
            )
        if declared.access is Access.ADMIN and not self.is_admin(command.user):
            return replies.refuse(name)
        try:
            reply = await declared.handler(self, command)
        except ScheduleError as exc:
            return Reply(private=True, text=str(exc))
        except NothingToAsk as exc:
            return Reply(private=True, text=str(exc))
        except PlatformError as exc:
            log.warning("command /%s in %s: platform error %s", name, command.channel, exc)
            reply = Reply(
                private=True,
                text="The platform refused my message, so I could not do that. "
                "Check that I can still post in this channel, then try again.",
            )
        if self.is_admin(command.user):
            reply = await self._with_notices(command.channel, reply)
        return reply

    async def _with_notices(self, channel: ChannelRef, reply: Reply) -> Reply:
        """Prefix the admin's reply with notices waiting for them (each shown once)."""
        notices = await asyncio.to_thread(self.store.take_notices, channel)
        if not notices:
            return reply
        heads = "\n".join(f"**Notice:** {notice}" for notice in notices)
        return replace(reply, private=True, text=f"{heads}\n\n{reply.text}")

    def over_limit(self, user: UserRef) -> Reply | None:
        """The polite refusal when ``user`` made too many explain/grade requests this minute."""
        wait = self.limiter.wait_seconds(user)
        if not wait:
            return None
        self.metrics.error("rate_limited")
        return slow_down(wait, self.limiter.per_minute)

    async def on_text_command(
        self, channel: ChannelRef, user: UserRef, text: str, thread: MessageRef | None = None
    ) -> Reply:
        """A command typed as text (``/explain lora``, ``help``), as consoles and DMs send them."""
        unknown = unknown_command(text)
        if unknown:
            return await self.on_command(CommandInvocation(channel, user, unknown, "", thread))
        parsed = split_command(text)
        if parsed is None:
            return Reply(private=True, text="Try `/help` to see what I can do.")
        return await self.on_command(CommandInvocation(channel, user, parsed[0], parsed[1], thread))

    async def on_action(
        self,
        action: str,
        value: str,
        channel: ChannelRef,
        user: UserRef,
        inputs: dict[str, str] | None = None,
        request: str = "",
    ) -> Reply:
        """A button click (``explain_related``, ``reveal``, ``reject_suggestion`` …), with what
        a form asked for in ``inputs`` once it is submitted; ``request``: the platform's id of
        the delivery (see ``CommandInvocation.request``)."""
        if action == "explain_related":
            item = self.daily.item(value)
            if item is None or not self.live.visible(item, channel):
                return Reply(private=True, text="That question is no longer in the bank.")
            limited = self.over_limit(user)
            ask = item.question if item.is_prompt else item.topic
            return limited or await self.explain(ask, where=channel)
        if action == home.START_PRACTICE:
            return await self.on_command(
                CommandInvocation(channel, user, "practice", request=request)
            )
        declared = self.commands.actions.get(action)
        if declared is None:
            return Reply(private=True, text=f"Unknown action `{replies.clip(action, 40)}`.")
        args = " ".join([value, *(v.strip() for v in (inputs or {}).values())]).strip()
        return await self.on_command(
            CommandInvocation(channel, user, declared.command, args, request=request)
        )

    async def on_form(
        self,
        form: Form,
        values: dict[str, str],
        channel: ChannelRef,
        user: UserRef,
        request: str = "",
    ) -> Reply:
        """A submitted form (a modal): the command or button it was asked for, with its values.

        A value with ``|`` in it cannot split a suggestion's parts: it is kept as ``/``.
        """
        cleaned = {name: value.replace("|", "/").strip() for name, value in values.items()}
        if form.action in self.commands.actions:
            return await self.on_action(form.action, form.value, channel, user, cleaned, request)
        if form.action == "suggest":
            args = " | ".join(cleaned.get(f.name, "") for f in replies.SUGGEST_FIELDS)
        else:
            args = " ".join([form.value, *cleaned.values()]).strip()
        return await self.on_command(
            CommandInvocation(channel, user, form.action, args, request=request)
        )

    async def home(
        self, user: UserRef, workspace: str, member_of: Collection[str] = ()
    ) -> home.Home:
        """The member's home (streak, points, weakest topics, due cards, their channels);
        ``member_of``: the channel ids the platform says the member is in."""
        learning = self.learning.store if self.learning else None
        topics = {item.id: item.topic for item in (*self.items, *self.live_items)}
        return await home.member_home(
            user, workspace, self.store, learning, topics, self._clock, member_of
        )

    # ----- scheduler callbacks --------------------------------------------------------
    async def run_daily(self, channel: ChannelRef) -> None:
        """Scheduled slot of one channel: post if due and not posted yet today."""
        try:
            await self.daily.post_if_due(channel)
        except NothingToAsk as exc:
            log.warning("channel %s: %s", channel, exc)
        except Exception:
            # Logged here so one channel's failure never surfaces in (or stops) the scheduler.
            self.metrics.error("daily_post")
            log.exception("daily post in %s failed; the next tick retries", channel)

    @property
    def serving(self) -> Scope:
        """The scope of this instance's due work: its own, plus shards no live instance runs."""
        return self.presence.serving(self.scope)

    async def run_heartbeat(self) -> int:
        """Periodic tick: record this instance alive, take its share of the post rate and any
        orphaned shards; returns how many instances of its platform are live."""
        return await self.presence.beat(self.scope)

    def leave(self) -> None:
        """A clean stop: the other instances take this one's share of the rate at once."""
        self.presence.leave()

    async def run_reveals(self) -> int:
        """Periodic tick: reveal every answer whose time has come (a question another
        instance approved and posted is known first)."""
        await self._refresh_quietly()
        return await self.daily.reveal_due(self.serving)

    async def run_posts(self) -> int:
        """Periodic tick: take the live items other instances added, then post in every
        channel of this instance's scope whose slot has come."""
        await self._refresh_quietly()
        return await self.daily.post_due(self.serving)

    # ----- the running bank -----------------------------------------------------------
    def items_for(self, channel: ChannelRef) -> tuple[Item, ...]:
        """The items of the running bank that ``channel`` may see."""
        mine = (item for item in self.live_items if self.live.visible(item, channel))
        return (*self.items, *mine)

    def taken_ids(self) -> set[str]:
        """Every item id in use: bank files and live items."""
        return self.live.taken()

    async def item(self, item_id: str) -> Item | None:
        """The item of a post: one this instance knows, else one another instance approved
        since its last tick (read now), else None."""
        found = self.daily.item(item_id)
        if found is None and await self._refresh_quietly():
            found = self.daily.item(item_id)
        return found

    async def _refresh_quietly(self) -> int:
        """``refresh_live``, whose failure is logged: the bank as it was still serves."""
        try:
            return await self.refresh_live()
        except Exception:
            self.metrics.error("live_items")
            log.exception("could not read the live items; the next look tries again")
            return 0

    async def refresh_live(self) -> int:
        """Add the live items other instances approved since the last look (one cheap query
        when there are none); returns how many were added."""
        new = await asyncio.to_thread(self.live.changed)
        await self._add_items(new)
        return len(new)

    async def go_live(self, live: LiveItem) -> None:
        """An item approved here joins the running bank at once."""
        await self._add_items(self.live.accept([live]))

    async def _add_items(self, items: Sequence[Item]) -> None:
        """Items joining the rotation, practice, progress, moderation and explain; only their
        texts are embedded (in a worker thread)."""
        if not items:
            return
        self.live_items = (*self.live_items, *items)
        self.daily.add_items(items)
        if self.memory is not None:
            self.memory.add_items(items)
        if self.learning is not None:
            self.learning.add_items(items)
        if self.suggestions is not None:
            self.suggestions.add_items(items)
        await asyncio.to_thread(self.retriever.add, items)
        log.info("%d live item(s) joined the bank: %s", len(items), ", ".join(i.id for i in items))

    async def catch_up_missed(self) -> int:
        """Start-up catch-up: posts missed while down (same local day) and overdue reveals,
        after a first heartbeat (so they go at this instance's share of the rate)."""
        try:
            await self.run_heartbeat()
        except Exception:
            log.exception("heartbeat failed; catching up at the whole post rate")
        return await self.daily.catch_up(self.serving)

    def catch_up_answers(self, platform: str, serves: Serves = lambda _: True) -> asyncio.Task[int]:
        """In the background: grade answers members posted in open question threads while
        the bot was not listening (start-up, and each reconnect where events may be lost)."""
        return self.catchup.soon(platform, serves)

    async def run_learning(self) -> int:
        """Periodic tick of the learning loop: practice nudges, thread facilitation, recaps."""
        return await self.learning.tick(self.serving) if self.learning else 0

    # ----- use cases ------------------------------------------------------------------
    async def explain(self, query: str, k: int = 3, where: ChannelRef | None = None) -> Reply:
        """The closest reference answer to ``query`` among the items ``where`` may see, or an
        honest 'no close match'."""
        query = clean_text(query)[:MAX_QUERY_CHARS]
        if not query:
            return Reply(private=True, text="Explain what? Try `/explain lora` or `/topics`.")
        started = time.perf_counter()
        result = await asyncio.to_thread(self.retriever.search, query, k, where)
        self.metrics.explain_seconds(time.perf_counter() - started)
        return replies.explain(
            query,
            result.matches,
            result.abstained,
            result.nearest_topics,
            weak=result.weak,
            missing=result.missing,
            related=result.related,
        )

    def is_admin(self, user: UserRef) -> bool:
        """Admins may reveal, skip and change the schedule."""
        return user.is_admin or user.user_id in self._admins

    async def _caught_up(self, message: IncomingMessage) -> None:
        await self._answer_attempt(message, caught_up=True)

    async def _answer_attempt(self, message: IncomingMessage, *, caught_up: bool = False) -> None:
        assert message.thread is not None
        thread_id = message.thread.thread_id or message.thread.message_id
        post = await asyncio.to_thread(self.store.post_by_thread, message.channel, thread_id)
        if post is None or post.skipped:
            return
        item = await self.item(post.item_id)
        if item is None:
            return
        attempts = await asyncio.to_thread(self.store.attempts_for_post, post.id)
        if await self._answered_before(message, item, attempts, caught_up):
            return
        # Answers read back after downtime were not sent within a minute: no rate limit.
        limited = None if caught_up else self.over_limit(message.user)
        if limited:
            await self._private(message, limited)
            return
        ask = short_ask(message.text)
        if ask is not None:  # "what's DPO" in the thread asks, it does not answer
            await self._private(message, await self.explain(ask, where=message.channel))
            return
        text = clean_text(message.text)
        if item.is_prompt:
            if await self._store_attempt(post.id, message, text, None):
                reply = replies.late(replies.prompt_ack(), caught_up)
                await self._answer(message, post.id, "speech_balloon", reply)
            return
        mine = message.user.user_id
        grade = await self._grade(item, text, [a for a in attempts if a.user.user_id != mine])
        if not grade.attempt:
            return
        # only the first graded answer counts: five tries must not add up to a perfect score
        first = not any(a.user.user_id == mine and a.scored and not a.flagged for a in attempts)
        grade = replace(grade, scored=first and not grade.flagged)
        if not await self._store_attempt(post.id, message, text, grade):
            return  # stored meanwhile by whoever processes this message: it answers
        self.metrics.attempt_graded()
        truncated = len(text) if len(text) > replies.MAX_GRADED_CHARS else 0
        emoji = "warning" if grade.flagged else "white_check_mark"
        feedback = replies.late(replies.feedback(item, grade, truncated), caught_up)
        await self._answer(message, post.id, emoji, feedback)

    async def _grade(self, item: Item, text: str, others: Sequence[Attempt]) -> Grade:
        earlier = [("the reference answer", item.answer)]
        earlier += [(f"{a.user.display_name or 'another member'}'s answer", a.text) for a in others]
        graded = text[: replies.MAX_GRADED_CHARS]
        grade: Grade = await asyncio.to_thread(self.grader.grade, item, graded, earlier)
        return grade

    async def _answered_before(
        self,
        message: IncomingMessage,
        item: Item,
        attempts: Sequence[Attempt],
        caught_up: bool = False,
    ) -> bool:
        """A message already stored (a redelivery, or reprocessing after a crash): its
        feedback is sent now if it never was, never twice. Catch-up, which no inbox claim
        serialises, leaves a recent one to the process that stored it."""
        mid = message.message.message_id if message.message else ""
        index = next((n for n, a in enumerate(attempts) if mid and a.message_id == mid), None)
        if index is None:
            return False
        stored = attempts[index]
        if stored.feedback_sent:
            return True
        if caught_up and self._clock() - stored.created_at < self.unsent_grace:
            raise NotYet(mid)  # may still be in the hands of the process that stored it
        if item.is_prompt:
            await self._answer(message, stored.post_id, "speech_balloon", replies.prompt_ack())
            return True
        # Graded again as it was the first time: against the answers stored before it.
        mine = message.user.user_id
        grade = await self._grade(
            item, stored.text, [a for a in attempts[:index] if a.user.user_id != mine]
        )
        grade = replace(grade, score=stored.score, scored=stored.scored)
        truncated = len(stored.text) if len(stored.text) > replies.MAX_GRADED_CHARS else 0
        emoji = "warning" if stored.flagged else "white_check_mark"
        await self._answer(message, stored.post_id, emoji, replies.feedback(item, grade, truncated))
        return True

    async def _answer(
        self, message: IncomingMessage, post_id: int, emoji: str, reply: Reply
    ) -> None:
        """React, send the feedback, then record it sent: a crash before that record means
        it is sent (once more, at worst) when the message is processed again."""
        await self._react(message, emoji)
        await self._private(message, reply)
        if message.message is None or not message.message.message_id:
            return
        # The feedback is out: a failure to record that would send it again, so keep trying
        # through a database outage (the inbox renews this delivery's claim meanwhile).
        for wait in (*MARK_RETRY_SECONDS, None):
            try:
                # A thread of its own, not queued behind a burst's database work: a crash in
                # this window is what would send the feedback twice.
                await on_marks_thread(
                    self.store.mark_feedback_sent, post_id, message.message.message_id
                )
                return
            except Exception:
                if wait is None:
                    raise
                log.warning("could not record feedback as sent; trying again in %.0f s", wait)
                await asyncio.sleep(wait)

    async def _store_attempt(
        self, post_id: int, message: IncomingMessage, text: str, g: Grade | None
    ) -> bool:
        message_id = message.message.message_id if message.message else ""
        attempt = Attempt(
            post_id=post_id,
            user=message.user,
            text=text,
            score=0 if g is None or g.flagged else g.score,
            covered=g.covered if g else (),
            missed=g.missed if g else (),
            flagged=bool(g and g.flagged),
            created_at=self._clock(),
            message_id=message_id,
            contradicted=g.contradicted if g else (),
            scored=g.scored if g else True,
            feedback_sent=not message_id,  # without an id it cannot be recognised again
        )
        stored: bool = await asyncio.to_thread(self.store.add_attempt, attempt)
        return stored

    async def _react(self, message: IncomingMessage, emoji: str) -> None:
        if message.message is None:
            return
        try:
            await self.platform.react(message.message, emoji)
        except Exception:
            log.warning("could not react to a message in %s", message.channel, exc_info=True)

    async def _private(self, message: IncomingMessage, reply: Reply) -> None:
        _note(reply)
        await self.platform.reply_privately(message.channel, message.user, reply, message.thread)

    async def _say(
        self, channel: ChannelRef, user: UserRef, where: MessageRef | None, reply: Reply
    ) -> None:
        _note(reply)
        if reply.private or where is None:
            await self.platform.reply_privately(channel, user, reply, where)
        else:
            await self.platform.reply_in_thread(where, reply)
