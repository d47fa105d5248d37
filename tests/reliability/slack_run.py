"""The real ``qotd run slack`` process in fault tests: start it, deliver answers the way Slack
does (3 s timeout, up to 3 retries with ``X-Slack-Retry-Num``), count what the database and
the fake Slack hold.

Slack retries a delivery that got no 2xx within 3 seconds nearly at once, after 1 minute and
after 5 minutes. Tests of an outage of ``L`` seconds use that schedule scaled by ``L / 40``,
so that the 1-minute retry outlasts the outage as it does a 40 s lock.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError
from sqlalchemy import create_engine, func, select

from adapters.slack import forms
from adapters.slack.settings import EVENTS_PATH
from bot.content.bank import load_bank
from bot.core.model import ChannelRef, MessageRef, Schedule
from bot.core.replies import suggest_form
from bot.storage.learning_tables import SuggestionRow
from bot.storage.sql_store import SqlStore
from bot.storage.tables import AttemptRow, InboxRow
from tests.slack.fake_slack import SECRET, TEAM, FakeSlack, Signer

ROOT = Path(__file__).resolve().parents[2]
THREADS = 30
SLACK_TIMEOUT = 3.0
SLACK_RETRIES = (0.0, 60.0, 300.0)
"""Slack's delays before its 1st, 2nd and 3rd retry of a delivery that was not acknowledged."""
RUNS = int(os.environ.get("QOTD_FAULT_RUNS", "1"))
"""How often each fault test runs (CI: 1; ``QOTD_FAULT_RUNS=3`` for the documented figures)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def question_ts(n: int) -> str:
    return f"1764000000.1{n:05d}"


def question_threads(url: str) -> None:
    """THREADS paused channels, each with a question of the shipped bank posted in them."""
    items = load_bank().answered
    store = SqlStore(url)
    for n in range(THREADS):
        channel = ChannelRef("slack", TEAM, f"C0THREAD{n}")
        store.set_schedule(channel, Schedule(paused=True))
        item = items[n % len(items)]
        post = store.claim_post(channel, "2026-12-02", item.id, 0, store._clock(), None)
        assert post is not None
        store.set_post_message(post.id, MessageRef(channel, question_ts(n), question_ts(n)))
    store.close()


def answer(i: int) -> dict[str, Any]:
    """Member ``U0M{i}``'s answer in thread ``i % THREADS`` (one answer per member)."""
    n = i % THREADS
    return {
        "type": "message",
        "channel": f"C0THREAD{n}",
        "channel_type": "channel",
        "user": f"U0M{i}",
        # an answer to any bank item (general words every item shares), never chatter
        "text": (
            f"Answer {i}: the model predicts output tokens from probabilities; training data, "
            "attention, decoding, inference latency, preference bias and the weights of the "
            "model shape that output."
        ),
        "ts": f"1764000100.{i:06d}",
        "thread_ts": question_ts(n),
    }


def event_id(i: int) -> str:
    return f"Ev{i:05d}"


@dataclass
class SlackProcess:
    """One ``python -m bot run slack [--http]`` child."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    def kill(self) -> None:
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGKILL)


@dataclass
class Launcher:
    """Starts the real runner with the shipped settings; ``stop_all`` kills what it started."""

    fake: FakeSlack
    database_url: str
    tmp_path: Path
    cache_dir: Path
    lease_seconds: int = 5
    started: list[SlackProcess] = field(default_factory=list)

    async def start(self, instance: str, *, http: bool = True) -> SlackProcess:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": "xapp-1-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{self.fake.url}api/",
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": str(port),
            "QOTD_DATABASE_URL": self.database_url,
            "QOTD_CACHE_DIR": str(self.cache_dir),
            "QOTD_RATE_LIMIT_PER_MINUTE": "0",
            "QOTD_INSTANCE_ID": instance,
            "QOTD_INBOX_LEASE_SECONDS": str(self.lease_seconds),
            "QOTD_LOG_LEVEL": "WARNING",
        }
        path = self.tmp_path / f"{instance}-{len(self.started)}.log"
        log = path.open("ab")
        mode = ["--http"] if http else []
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "slack", *mode,
            cwd=self.tmp_path, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        bot = SlackProcess(process, port, path)
        self.started.append(bot)
        ready = b"listening on" if http else b"connected to Slack workspace"
        deadline = time.monotonic() + 300  # a loaded CI machine imports torch slowly
        while ready not in path.read_bytes():
            assert process.returncode is None, path.read_text()
            assert time.monotonic() < deadline, "the Slack process did not start"
            await asyncio.sleep(0.2)
        return bot

    async def stop_all(self) -> None:
        for bot in self.started:
            bot.kill()
            await bot.process.wait()


@dataclass
class Deliveries:
    """What Slack saw: acknowledged events, events it gave up on, and every try's status."""

    acked: set[int] = field(default_factory=set)
    given_up: set[int] = field(default_factory=set)
    tries: Counter[int] = field(default_factory=Counter)
    refused: int = 0
    """Tries answered with a non-2xx status (the bot could not record the event)."""
    timed_out: int = 0


class SlackSender:
    """Delivers answers to the bot's /slack/events as Slack does, ``concurrency`` at a time."""

    def __init__(
        self,
        port: int,
        *,
        retries: Sequence[float] = SLACK_RETRIES,
        concurrency: int = 8,
        on_ack: Callable[[int], None] = lambda _: None,
    ) -> None:
        self.signer = Signer(f"http://127.0.0.1:{port}{EVENTS_PATH}")
        self.retries = tuple(retries)
        self.bound = asyncio.Semaphore(concurrency)
        self.on_ack = on_ack
        self.result = Deliveries()

    async def deliver(self, events: Sequence[int], spacing: float = 0.0) -> Deliveries:
        """Deliver ``events``, the n-th posted ``n * spacing`` seconds after the first."""
        await asyncio.gather(*(self._one(i, n * spacing) for n, i in enumerate(events)))
        return self.result

    async def _one(self, i: int, after: float) -> None:
        await asyncio.sleep(after)
        for attempt in range(len(self.retries) + 1):
            if attempt:
                await asyncio.sleep(self.retries[attempt - 1])
            headers = (
                {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"}
                if attempt
                else {}
            )
            async with self.bound:
                self.result.tries[i] += 1
                try:
                    status, _ = await asyncio.wait_for(
                        self.signer.event(answer(i), event_id(i), headers=headers), SLACK_TIMEOUT
                    )
                except TimeoutError:
                    self.result.timed_out += 1
                    status = 0
                except (ClientError, OSError):
                    status = 0
            if 200 <= status < 300:
                self.result.acked.add(i)
                self.on_ack(len(self.result.acked))
                return
            if status:
                self.result.refused += 1
        self.result.given_up.add(i)


@dataclass
class Held:
    """What the database and the fake Slack hold for answers ``0 … n-1``."""

    stored: Counter[str]
    feedback: Counter[str]
    open_records: int
    unmarked: set[str]
    """Members whose stored answer is not (yet) recorded as told its feedback."""

    @property
    def without_feedback(self) -> int:
        return len(self.unmarked)

    def lost(self, events: Iterable[int]) -> list[int]:
        """Answers not stored, or stored and never told their feedback."""
        return [
            i
            for i in events
            if self.stored[str(answer(i)["ts"])] == 0 or self.feedback[f"U0M{i}"] == 0
        ]

    def twice(self) -> list[str]:
        """Slack messages stored more than once, and members told their feedback twice."""
        return [ts for ts, n in self.stored.items() if n > 1] + self.told_twice()

    def told_twice(self) -> list[str]:
        return sorted(user for user, n in self.feedback.items() if n > 1)

    def in_the_window(self) -> set[str]:
        """Members told by a process that died before recording it (after a SIGKILL):
        processing the answer again tells them once more, by design (at least once)."""
        return {user for user in self.unmarked if self.feedback[user]}


def held(url: str, fake: FakeSlack) -> Held:
    """Count attempts per Slack message, feedback per member, unfinished inbox records."""
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = Counter(str(ts) for ts in connection.scalars(select(AttemptRow.message_id)))
        open_records = connection.scalar(
            select(func.count()).select_from(InboxRow).where(InboxRow.done_at.is_(None))
        )
        unmarked = set(
            connection.scalars(
                select(AttemptRow.user_id).where(AttemptRow.feedback_sent.is_(False))
            )
        )
    engine.dispose()
    feedback = Counter(str(body["user"]) for body in fake.called("chat.postEphemeral"))
    return Held(stored, feedback, int(open_records or 0), unmarked)


async def settled(url: str, fake: FakeSlack, expected: int, seconds: float = 180) -> Held:
    """What is held once every inbox record is processed (or ``seconds`` passed)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            now = held(url, fake)
        except Exception:  # the database restarting
            await asyncio.sleep(0.5)
            continue
        done = not now.open_records and not now.without_feedback
        if (done and sum(now.feedback.values()) >= expected) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # let the last ephemerals reach the fake
    return held(url, fake)


# ----- interactions: /qotd, button clicks, modal submissions ---------------------------
INTERACTION_KINDS = ("command", "view_submission", "block_actions")
"""Interaction ``i`` is of kind ``i % 3``: ``/qotd suggest …``, the suggestion modal
submitted, the "explain" button of a question post clicked."""


def member(i: int) -> str:
    return f"U0I{i}"


def trigger(i: int, attempt: int = 0) -> str:
    """Slack's ``trigger_id`` of interaction ``i``; a member repeating it gets a new one."""
    return f"{1764000000 + i}.{attempt}.{i:05d}"


def interaction_key(i: int, attempt: int = 0) -> str:
    """The inbox key the bot records interaction ``i`` under."""
    return f"{INTERACTION_KINDS[i % 3]}:{trigger(i, attempt)}"


def suggested(i: int) -> str:
    return f"Question {i}: why does a KV cache speed up decoding?"


async def interact(signer: Signer, fake: FakeSlack, i: int, attempt: int = 0) -> int:
    """Member ``i``'s interaction as Slack posts it; returns the HTTP status."""
    channel = f"C0THREAD{i % THREADS}"
    response_url = f"{fake.url}respond/{i}"
    kind = INTERACTION_KINDS[i % 3]
    if kind == "command":
        form = {
            "token": "legacy", "team_id": TEAM, "team_domain": "acme", "channel_id": channel,
            "channel_name": "general", "user_id": member(i), "user_name": member(i).lower(),
            "command": "/qotd", "api_app_id": "AQOTD", "response_url": response_url,
            "trigger_id": trigger(i, attempt),
            "text": f"suggest {suggested(i)} | Keys and values are kept. | decoding",
        }  # fmt: skip
        body = urllib.parse.urlencode(form)
    else:
        payload: dict[str, Any] = {
            "type": kind,
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": member(i), "username": member(i).lower(), "team_id": TEAM},
            "api_app_id": "AQOTD",
            "token": "legacy",
            "trigger_id": trigger(i, attempt),
        }
        if kind == "view_submission":
            form_ = suggest_form().form
            assert form_ is not None
            state = {
                "question": {"value": {"type": "plain_text_input", "value": suggested(i)}},
                "answer": {"value": {"type": "plain_text_input", "value": "Keys are kept."}},
                "topic": {"value": {"type": "static_select",
                                    "selected_option": {"value": "decoding"}}},
            }  # fmt: skip
            payload["view"] = {
                **forms.modal(form_, channel),
                "id": f"V{i}",
                "state": {"values": state},
            }
        else:
            payload |= {
                "container": {"type": "message", "message_ts": question_ts(i % THREADS),
                              "channel_id": channel},
                "channel": {"id": channel, "name": "general"},
                "response_url": response_url,
                "actions": [{"type": "button", "action_id": "explain_related",
                             "block_id": "qotd_actions", "value": "kv cache",
                             "action_ts": str(time.time())}],
            }  # fmt: skip
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    status, _ = await signer.post(body, "application/x-www-form-urlencoded")
    return status


@dataclass
class Carried:
    """What interactions ``0 … n-1`` did: suggestions stored and answers told, per member."""

    stored: Counter[str]
    told: Counter[str]
    open_keys: set[str]
    """Inbox keys of interactions recorded and not done."""
    keys: set[str]
    """Inbox keys of every interaction recorded."""

    def effects(self, i: int) -> int:
        """How often interaction ``i`` was carried out (the button has no stored effect)."""
        return self.told[member(i)] if i % 3 == 2 else self.stored[member(i)]

    def lost(self, events: Iterable[int]) -> list[int]:
        """Interactions not carried out, or whose member was never answered."""
        return [i for i in events if self.effects(i) == 0 or self.told[member(i)] == 0]

    def twice(self, events: Iterable[int]) -> list[int]:
        """Interactions carried out, or answered, more than once."""
        return [i for i in events if self.effects(i) > 1 or self.told[member(i)] > 1]

    def queued_twice(self, events: Iterable[int]) -> list[int]:
        """Commands and modals whose suggestion was stored more than once."""
        return [i for i in events if i % 3 != 2 and self.stored[member(i)] > 1]

    def in_the_window(self, events: Iterable[int]) -> set[int]:
        """Carried out by a process that died before recording its interaction done:
        processing it again carries it out once more, by design (at least once)."""
        return {
            i
            for i in events
            if interaction_key(i) in self.open_keys and (self.effects(i) or self.told[member(i)])
        }


def carried(url: str, fake: FakeSlack) -> Carried:
    """Count suggestions per member (database) and answers per member (the fake Slack:
    response_url posts for commands and clicks, ephemerals for modals)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = Counter(str(u) for u in connection.scalars(select(SuggestionRow.user_id)))
        open_keys = set(connection.scalars(select(InboxRow.key).where(InboxRow.done_at.is_(None))))
        keys = set(connection.scalars(select(InboxRow.key)))
    engine.dispose()
    told: Counter[str] = Counter()
    for call in fake.calls:
        if call.method.startswith("respond/"):
            told[member(int(call.method.split("/")[1]))] += 1
        elif call.method == "chat.postEphemeral" and str(call.body.get("user", "")).startswith(
            "U0I"
        ):
            told[str(call.body["user"])] += 1
    return Carried(stored, told, open_keys, keys)


async def carried_out(
    url: str, fake: FakeSlack, events: Sequence[int], seconds: float = 180
) -> Carried:
    """What is held once every inbox record is done and ``events`` answered (or ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            now = carried(url, fake)
        except Exception:
            await asyncio.sleep(0.5)
            continue
        if (not now.open_keys and not now.lost(events)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # let the last answers reach the fake
    return carried(url, fake)
