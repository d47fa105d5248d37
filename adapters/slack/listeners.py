"""Bolt listeners: Slack events, /qotd and button clicks translated into QotdService calls."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse

from adapters.slack import doctor, forms, paging, render
from adapters.slack.members import PLATFORM, Members
from bot.core import home, replies
from bot.core.commands import REGISTRY
from bot.core.inbox import LEASE, Inbox
from bot.core.model import (
    Button,
    ChannelRef,
    CommandInvocation,
    Delivery,
    Field,
    Form,
    FormField,
    IncomingMessage,
    Link,
    MessageRef,
    Reply,
    UserRef,
)
from bot.core.ports import InboxStore
from bot.core.service import QotdService, utc_now

log = logging.getLogger(__name__)

ACTIONS = re.compile("^(" + "|".join(map(re.escape, REGISTRY.actions)) + ")$")
"""The action ids of the core's buttons (the registry's)."""
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
"""Message subtypes that are a member speaking; edits, joins, bot posts … are ignored."""
SHARE_FLAG = "--share"

DOCTOR_HELP = "\n- `/qotd doctor`: check what I need in this channel and how to fix it"
FAILED = replies.FAILED

COMMAND = "/qotd"
INTERACTIONS = ("command", "block_actions", "view_submission")
"""What members do besides messages: the slash command, a button, a modal submitted."""

TOLD = "told"
"""The kind of an interaction's record once it was carried out: only its answer is left."""

Told = dict[str, Any]
"""How to answer a carried-out interaction (JSON, kept in its inbox record)."""

EventListener = Callable[[dict[str, Any], dict[str, Any], Any], Awaitable[None]]
Interaction = Callable[[dict[str, Any]], Awaitable[Told]]


def told(
    via: str,
    reply: Reply,
    channel: ChannelRef,
    user: UserRef | None,
    what: str,
    share: bool = False,
) -> Told:
    """The answer of an interaction: through its response_url (``respond``) or privately."""
    return {
        "via": via,
        "reply": asdict(reply),
        "channel": channel.channel,
        "user": user.user_id if user else "",
        "what": what,
        "share": share,
    }


def reply_from(data: dict[str, Any]) -> Reply:
    """The Reply ``told`` recorded."""
    form = data.get("form")
    return Reply(
        text=str(data["text"]),
        title=str(data["title"]),
        fields=tuple(Field(**f) for f in data["fields"]),
        buttons=tuple(Button(**b) for b in data["buttons"]),
        context=str(data["context"]),
        private=bool(data["private"]),
        attachments=tuple(data["attachments"]),
        links=tuple(Link(**link) for link in data["links"]),
        form=Form(
            form["action"],
            form["value"],
            form["title"],
            tuple(FormField(**{**f, "choices": tuple(f["choices"])}) for f in form["fields"]),
            form["submit"],
        )
        if form
        else None,
    )


HOME_CHANNEL_PAGES = 5
"""Pages of 200 channels read for a member's Home tab."""


def interaction(body: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, inbox key) of a slash command, button click or modal submission of qotd's, or
    None for anything else. The key is Slack's ``trigger_id`` (one per interaction), or a
    digest of the body when there is none."""
    if body.get("command") == COMMAND:
        kind = "command"
    elif body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        name = str(actions[0].get("action_id") or "")
        if not (ACTIONS.match(name) or name == home.START_PRACTICE):
            return None
        kind = "block_actions"
    elif body.get("type") == "view_submission":
        if (body.get("view") or {}).get("callback_id") != forms.CALLBACK_ID:
            return None
        kind = "view_submission"
    else:
        return None
    trigger = str(body.get("trigger_id") or "")
    if not trigger:
        trigger = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return kind, f"{kind}:{trigger}"


def incoming(event: dict[str, Any], team: str, bot_user_id: str, user: UserRef) -> IncomingMessage:
    """A message or app_mention event as the core's IncomingMessage."""
    channel = ChannelRef(PLATFORM, team, str(event["channel"]))
    ts, thread_ts = str(event["ts"]), str(event.get("thread_ts") or "")
    text = str(event.get("text") or "")
    return IncomingMessage(
        channel=channel,
        user=user,
        text=render.decode(text),
        message=MessageRef(channel, ts, thread_ts),
        thread=MessageRef(channel, thread_ts, thread_ts) if thread_ts and thread_ts != ts else None,
        is_direct=event.get("channel_type") == "im",
        mentions_bot=bool(bot_user_id) and f"<@{bot_user_id}>" in text,
    )


async def respond_with(respond: AsyncRespond, reply: Reply, share: bool = False) -> None:
    """Answer the invoker through the response_url: ephemeral unless the reply is public."""
    kind = "in_channel" if share or not reply.private else "ephemeral"
    for part in render.messages(reply):
        await respond(
            text=render.fallback(reply), blocks=part, response_type=kind, replace_original=False
        )


class Listeners:
    """Translates Bolt requests into core calls; the core decides what is said."""

    def __init__(
        self,
        service: QotdService,
        members: Members,
        inbox: InboxStore,
        *,
        clock: Callable[[], datetime] = utc_now,
        inline: bool = False,
        lease: timedelta = LEASE,
    ) -> None:
        self.service = service
        self.members = members
        self.inbox = Inbox(inbox, self.handle, clock, platform=PLATFORM, lease=lease)
        self._clock = clock
        self._inline = inline
        """Process events before answering Slack (Bolt's process_before_response)."""
        self._running: set[asyncio.Task[None]] = set()
        self.events: dict[str, EventListener] = {
            "message": self.on_message,
            "app_mention": self.on_mention,
            "member_joined_channel": self.on_joined,
            "app_home_opened": self.on_home,
        }
        self.interactions: dict[str, Interaction] = {
            "command": self.on_command,
            "block_actions": self.on_action,
            "view_submission": self.on_form,
        }
        self.heard: set[str] = set()
        """Channels a plain message event came from (doctor: thread replies can arrive)."""

    def register(self, app: AsyncApp) -> None:
        """Attach the Bolt app: events, /qotd, buttons and modals all go through the inbox."""
        app.middleware(self.record_first)

    async def record_first(
        self, body: dict[str, Any], context: Any, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Events API deliveries, /qotd, button clicks and modal submissions: committed to the
        inbox before Bolt acknowledges them, then processed from that record, once, whatever
        the retries, restarts and instances.

        Runs after Bolt's signature check and before its acknowledgement (this returns it);
        what cannot be recorded gets a 503 instead (Socket Mode: no ack), so Slack sends an
        event again and shows the member an error for an interaction.
        """
        event_id, event = body.get("event_id"), body.get("event") or {}
        if isinstance(event_id, str) and event.get("type") in self.events:
            kind, key, what = "event", event_id, "event"
        elif (found := interaction(body)) is not None:
            kind, key = found
            what = {"command": "command", "block_actions": "button click"}.get(kind, "form")
        else:
            await next()
            return None
        record = {
            "kind": kind,
            "body": body,
            "bot_user_id": str(context.get("bot_user_id") or ""),
        }
        delivery = Delivery(PLATFORM, key, json.dumps(record), self._clock())
        try:
            fresh = await self.inbox.receive(delivery)
        except Exception as exc:
            # Not acknowledged: Slack delivers an event again (at once, after 1 and 5
            # minutes); the member of an interaction sees it failed and can repeat it.
            log.error(
                "could not record Slack %s %s, so it is not acknowledged%s (%s: %s)",
                what,
                key,
                ": Slack retries it" if kind == "event" else "",
                type(exc).__name__,
                getattr(exc, "orig", None) or exc,  # the driver's reason, not the SQL and body
            )
            return BoltResponse(status=503, body="")
        if not fresh:
            log.info("ignoring a repeated delivery of %s %s", what, key)
            return BoltResponse(status=200, body="")
        if self._inline:
            await self.inbox.process(delivery)
        else:
            self._spawn(self.inbox.process(delivery))
        return BoltResponse(status=200, body="")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)  # a reference, or the task could be collected mid-way
        task.add_done_callback(self._running.discard)

    async def handle(self, delivery: Delivery) -> None:
        """Process a recorded delivery: an event's listener, called as Bolt would call it,
        or the interaction (acknowledged already, answered through its response_url)."""
        record = json.loads(delivery.payload)
        body: dict[str, Any] = record["body"]
        kind = str(record.get("kind") or "event")
        if kind != "event":
            await self._interact(delivery, record)
            return
        event: dict[str, Any] = body.get("event") or {}
        listener = self.events.get(str(event.get("type")))
        if listener is not None:
            await listener(event, body, {"bot_user_id": record.get("bot_user_id", "")})

    async def _interact(self, delivery: Delivery, record: dict[str, Any]) -> None:
        """Carry the interaction out, record that (with the answer), then tell the member.

        Processed again after a kill, a recorded answer is only told again: the command is
        carried out twice only if the process died between the core's work and that record.
        """
        if record.get("kind") != TOLD:
            # a repeat that took a dead instance's record over brings the original body
            stored = await self.inbox.stored(delivery)
            if stored is not None and json.loads(stored).get("kind") == TOLD:
                record = json.loads(stored)
        body: dict[str, Any] = record["body"]
        if record.get("kind") != TOLD:
            told = await self.interactions[str(record["kind"])](body)
            if told is None:
                return
            record = {"kind": TOLD, "body": body, "told": told}
            try:
                await self.inbox.save_progress(delivery, json.dumps(record))
            except Exception:
                log.warning("could not record Slack %s as carried out", delivery.key)
        await self._tell(body, record["told"])

    async def _tell(self, body: dict[str, Any], told: dict[str, Any]) -> None:
        """Send an interaction's answer; a failure is logged, not raised (carried out, it
        must not be carried out again)."""
        reply = reply_from(told["reply"])
        channel = ChannelRef(PLATFORM, _team(body), str(told["channel"]))
        what = str(told.get("what") or "an interaction")
        try:
            if told["via"] == "private":
                user = UserRef(PLATFORM, str(told["user"]), "")
                await self.service.platform.reply_privately(channel, user, reply)
            elif not await self._open_form(body, channel, reply):
                await respond_with(self._respond(body), reply, bool(told.get("share")))
        except Exception:
            log.warning("could not answer %s in %s", what, channel, exc_info=True)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """Members' messages: answers in threads, DMs; mentions are left to ``on_mention``."""
        if event.get("bot_id") or event.get("subtype") not in ANSWERED_SUBTYPES:
            return
        bot = str(context.get("bot_user_id") or "")
        if not event.get("user") or event.get("user") == bot:
            return
        if event.get("channel_type") != "im":
            self.heard.add(str(event["channel"]))
            if bot and f"<@{bot}>" in str(event.get("text") or ""):
                return  # the app_mention event of the same message handles it
        await self._deliver(event, body, bot)

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """``@qotd explain X`` (or a command) in a channel or thread."""
        if event.get("bot_id") or not event.get("user"):
            return
        await self._deliver(event, body, str(context.get("bot_user_id") or ""))

    async def on_joined(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """The bot invited to a channel: register it for daily questions."""
        if event.get("user") == context.get("bot_user_id"):
            channel = ChannelRef(PLATFORM, _team(body), str(event["channel"]))
            await self.service.channels.joined(channel, direct=channel.channel.startswith("D"))

    async def on_home(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """The member opened the Home tab: publish their day (built by the core)."""
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team = _team(body)
        user = await self.members.get(str(event["user"]))
        content = await self.service.home(user, team, await self._member_of(user.user_id))
        links = {day.channel: await self._channel_link(day.channel) for day in content.channels}
        view = render.home_view(home.home_reply(content, links))
        await self.members.client.views_publish(user_id=user.user_id, view=view)

    async def _member_of(self, user_id: str) -> set[str]:
        """The channels the member is in (users.conversations, a few pages at most): the Home
        tab lists those with daily questions even before the member's first answer."""
        found: set[str] = set()
        try:
            async for page in paging.pages(
                self.members.client.users_conversations,
                most=HOME_CHANNEL_PAGES,
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
            ):
                found.update(str(c["id"]) for c in page.get("channels") or [])
        except Exception:
            log.info("could not list %s's channels for the Home tab", user_id)
        return found

    async def _channel_link(self, channel: ChannelRef) -> Link:
        """``#name``, opening the channel in Slack (the id when the name cannot be read)."""
        name = channel.channel
        try:
            info = await self.members.client.conversations_info(channel=channel.channel)
            name = str(info["channel"].get("name") or name)
        except Exception:
            log.info("no name for channel %s on the Home tab", channel.channel)
        url = f"https://slack.com/app_redirect?channel={channel.channel}&team={channel.workspace}"
        return Link(f"#{name}", url)

    async def on_home_practice(self, body: dict[str, Any]) -> Told:
        """The Home tab's practice button: the card arrives in the member's DM with the bot."""
        user = await self.members.get(str(body["user"]["id"]), str(body["user"].get("name", "")))
        opened = await self.members.client.conversations_open(users=user.user_id)
        dm = ChannelRef(PLATFORM, _team(body), str(opened["channel"]["id"]))
        reply = await self.service.on_action(home.START_PRACTICE, "", dm, user)
        return told("private", reply, dm, user, "practice")

    def _respond(self, body: dict[str, Any]) -> AsyncRespond:
        """Answers through the interaction's response_url (valid 30 minutes, so after a
        restart too)."""
        client = self.members.client
        return AsyncRespond(
            response_url=body.get("response_url"), proxy=client.proxy, ssl=client.ssl
        )

    async def on_command(self, body: dict[str, Any]) -> Told:
        """``/qotd <sub> args`` (acknowledged already): ask the core (``doctor`` is answered
        here) and answer through the response_url."""
        name, _, args = render.decode(str(body.get("text") or "")).strip().partition(" ")
        args, share = _share(args.strip())
        channel = ChannelRef(PLATFORM, _team(body), str(body["channel_id"]))
        name = name.lower() or "help"

        async def work() -> Reply:
            user = await self.members.get(str(body["user_id"]), str(body.get("user_name", "")))
            if name == "doctor":
                heard = channel.channel in self.heard
                return await doctor.diagnose(self.members.client, channel, heard)
            reply = await self.service.on_command(
                CommandInvocation(channel, user, name, args, request=_request(body))
            )
            if reply.attachments:
                await self.attach(user, reply)
            return reply

        reply = await self._guarded(f"/qotd {name} in {channel}", work)
        if name == "help":
            reply = replace(reply, text=reply.text + DOCTOR_HELP)
        return told("respond", reply, channel, None, f"/qotd {name}", share)

    async def on_form(self, body: dict[str, Any]) -> Told:
        """A modal of the core's submitted (acknowledged, so closed, already): hand the
        values to the core, tell the member what happened."""
        channel_id, form, values = forms.submitted(body.get("view") or {})
        channel = ChannelRef(PLATFORM, _team(body), channel_id)
        user = await self.members.get(str(body["user"]["id"]), str(body["user"].get("name", "")))
        reply = await self._guarded(
            f"form {form.action} in {channel}",
            lambda: self.service.on_form(form, values, channel, user, _request(body)),
        )
        return told("private", reply, channel, user, f"form {form.action}")

    async def _open_form(self, body: dict[str, Any], channel: ChannelRef, reply: Reply) -> bool:
        """Open the reply's form as a modal, when it has one and Slack gave a trigger."""
        if reply.form is None or not body.get("trigger_id"):
            return False
        try:
            await self.members.client.views_open(
                trigger_id=str(body["trigger_id"]), view=forms.modal(reply.form, channel.channel)
            )
        except Exception:
            log.warning("could not open the %s form in %s", reply.form.action, channel)
            return False
        return True

    async def _guarded(self, what: str, work: Callable[[], Awaitable[Reply]]) -> Reply:
        """The error boundary of every inbound path: a failure is logged and the member told."""
        try:
            return await work()
        except Exception:
            log.exception("%s failed", what)
            return FAILED

    async def attach(self, user: UserRef, reply: Reply) -> None:
        """A command's charts: ephemeral replies cannot carry files, so they go to the DM."""
        upload = getattr(self.service.platform, "upload_privately", None)
        if upload is None:
            return
        try:
            await upload(user, reply.attachments)
        except Exception:
            log.warning("could not upload %d chart(s) to %s", len(reply.attachments), user.user_id)

    async def on_action(self, body: dict[str, Any]) -> Told:
        """A button (acknowledged already): on a question post, the clicker is answered
        through the response_url (ephemeral); the Home tab's practice button."""
        action: dict[str, Any] = (body.get("actions") or [{}])[0]
        if action.get("action_id") == home.START_PRACTICE:
            return await self.on_home_practice(body)
        where = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        channel = ChannelRef(PLATFORM, _team(body), str(where))
        name, value = str(action["action_id"]), str(action.get("value") or "")

        async def work() -> Reply:
            user = await self.members.get(
                str(body["user"]["id"]), str(body["user"].get("name", ""))
            )
            return await self.service.on_action(name, value, channel, user, request=_request(body))

        reply = await self._guarded(f"button {name} in {channel}", work)
        return told("respond", reply, channel, None, f"button {name}")

    async def _deliver(self, event: dict[str, Any], body: dict[str, Any], bot: str) -> None:
        user = await self.members.get(str(event["user"]))
        await self.service.on_message(incoming(event, _team(body), bot, user))


def _request(body: dict[str, Any]) -> str:
    """The interaction's inbox key: the core carries a redelivered one out once."""
    found = interaction(body)
    return found[1] if found else ""


def _team(body: dict[str, Any]) -> str:
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or body.get("user", {}).get("team_id", "")
    )
    return str(team)


def _share(args: str) -> tuple[str, bool]:
    """``/qotd explain lora --share`` answers in the channel instead of privately."""
    if args == SHARE_FLAG or args.endswith(" " + SHARE_FLAG):
        return args[: -len(SHARE_FLAG)].strip(), True
    return args, False
