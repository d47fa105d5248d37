"""A living bank: members suggest questions, admins approve or reject them with a reason."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core import replies
from bot.core.model import (
    TOPICS,
    Button,
    ChannelRef,
    CommandInvocation,
    Field,
    Item,
    LiveItem,
    Reply,
    Suggestion,
)
from bot.core.ports import ChatPlatform, ItemRules, LearningStore, Store
from bot.core.retrieval import ExplainResult

DUPLICATE_SCORE = 0.7
"""A suggestion this similar to an existing question is flagged as a likely duplicate.

With the bundled MiniLM, paraphrases of bank questions ("What is LoRA?", "How does attention
work in transformers?") score 0.77-0.79 against them; an unrelated question about 0.3.
"""

THIN_TOPIC = 5
"""Admins hear about topics with fewer answered questions than this."""

USAGE = (
    "Suggest a question as `/suggest <question> | <reference answer> | <topic>`. "
    f"Topics: {', '.join(TOPICS)}."
)


class Search(Protocol):
    """The retriever, to flag near-duplicates among the items the suggester may see."""

    def search(self, query: str, k: int = 3, where: ChannelRef | None = None) -> ExplainResult:
        """The closest answered items to ``query`` that ``where`` may see."""
        ...


class Publisher(Protocol):
    """The running bank an approved item joins (the service)."""

    def taken_ids(self) -> set[str]:
        """Every item id in use."""
        ...

    async def refresh_live(self) -> int:
        """Take the live items other instances added."""
        ...

    async def go_live(self, live: LiveItem) -> None:
        """Add an item approved here to the running bank."""
        ...


def key_points_given(text: str) -> list[str]:
    """The key points an admin gave after the id: ``/approve 3 | first | second | third``."""
    if "|" not in text:
        return []
    return [part.strip() for part in text.split("|") if part.strip()]


def not_valid(sid: int, problems: list[str]) -> Reply:
    """Why a suggestion cannot join the bank, and what the admin can do about it."""
    listed = "\n".join(f"- {replies.clip(p, 300)}" for p in problems)
    return Reply(
        private=True,
        text=f"Suggestion #{sid} can't join the bank as it is:\n{listed}\n"
        f"Give its key points yourself (3-6, one idea each): "
        f"`/approve {sid} | first point | second point | third point`, "
        f"or `/reject {sid} <reason>` so its author can rework it. It stays in the queue.",
    )


def thin_topics(items: Sequence[Item]) -> list[tuple[str, int]]:
    """Topics of the vocabulary with fewer than THIN_TOPIC answered questions, thinnest first."""
    counts = Counter(item.topic for item in items if not item.is_prompt)
    thin = [(t, counts.get(t, 0)) for t in TOPICS if counts.get(t, 0) < THIN_TOPIC]
    return sorted(thin, key=lambda tc: (tc[1], tc[0]))


def queue_entry(s: Suggestion) -> Reply:
    """One pending suggestion as admins see it, with approve and reject buttons."""
    fields: tuple[Field, ...] = (
        Field("Topic", s.topic),
        Field("From", s.author.display_name or s.author.user_id),
    )
    if s.duplicate_of:
        fields += (Field("Possible duplicate of", s.duplicate_of),)
    return Reply(
        title=f"Suggestion #{s.id}",
        text=f"**Q:** {s.question}\n**A:** {replies.clip(s.answer, 600)}",
        fields=fields,
        buttons=(
            Button("approve_suggestion", "Approve", str(s.id), admin_only=True),
            Button("reject_suggestion", "Reject", str(s.id), admin_only=True),
        ),
        private=True,
    )


class Suggestions:
    """The moderation queue: suggest, review, approve, reject (and tell the author)."""

    def __init__(
        self,
        items: Sequence[Item],
        learning: LearningStore,
        store: Store,
        platform: ChatPlatform,
        search: Search,
        clock: Callable[[], datetime],
        *,
        rules: ItemRules | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        self._rules = rules
        self._publisher = publisher
        self._items = {item.id: item for item in items}
        self._store = learning
        self._core = store
        self._platform = platform
        self._search = search
        self._clock = clock

    async def suggest(self, command: CommandInvocation) -> Reply:
        """``/suggest question | answer | topic``: queue it and flag a near-duplicate."""
        parts = [p.strip() for p in command.args.split("|")]
        if len(parts) != 3 or not all(parts):
            return Reply(private=True, text=USAGE)
        question, answer, topic = parts[0], parts[1], parts[2].lower()
        if topic not in TOPICS:
            return Reply(private=True, text=f"Unknown topic “{replies.clip(topic, 40)}”. {USAGE}")
        if command.request:
            # the same delivery carried out again (a crash before it was recorded done)
            earlier = await asyncio.to_thread(
                self._store.suggestion_for, command.request, command.channel
            )
            if earlier is not None:
                return Reply(private=True, text=_queued(earlier.id))
        found = await asyncio.to_thread(self._search.search, question, 1, command.channel)
        near = found.matches[0] if found.matches else None
        duplicate = near.item.id if near and near.score >= DUPLICATE_SCORE else ""
        queued = await asyncio.to_thread(
            self._store.add_suggestion,
            Suggestion(
                id=0,
                channel=command.channel,
                author=command.user,
                question=question[:1000],
                answer=answer[:4000],
                topic=topic,
                created_at=self._clock(),
                duplicate_of=duplicate,
                request=command.request,
            ),
        )
        await asyncio.to_thread(
            self._core.add_notice,
            command.channel,
            f"New question suggested (#{queued.id}, {topic}): review it with `/suggestions`.",
        )
        text = _queued(queued.id)
        if duplicate and near is not None:
            text += (
                f"\n⚠️ It looks close to an existing question ({near.score:.0%}): "
                f"_{near.item.question}_ (`{duplicate}`). Admins will see that too."
            )
        return Reply(private=True, text=text)

    def add_items(self, items: Sequence[Item]) -> None:
        """Items that joined the running bank (they count for thin topics)."""
        for item in items:
            self._items.setdefault(item.id, item)

    async def queue(self, command: CommandInvocation) -> Reply:
        """``/suggestions``: the channel's pending suggestions and topics running thin (admins)."""
        pending = await asyncio.to_thread(self._store.suggestions, command.channel, "pending")
        thin = thin_topics(list(self._items.values()))
        lines = [f"{len(pending)} suggestion(s) waiting."]
        if thin:
            lines.append(
                "Topics running thin: "
                + ", ".join(f"{t} ({n})" for t, n in thin)
                + ". Suggestions there are most welcome."
            )
        for s in pending[:10]:
            entry = queue_entry(s)
            flag = f" ⚠️ possible duplicate of `{s.duplicate_of}`" if s.duplicate_of else ""
            lines.append(f"\n**#{s.id}** ({s.topic}, from {s.author.display_name}){flag}")
            lines.append(entry.text)
            lines.append(f"`/approve {s.id}` or `/reject {s.id} <reason>`")
        buttons = tuple(b for s in pending[:5] for b in queue_entry(s).buttons)
        return Reply(title="Moderation queue", text="\n".join(lines), buttons=buttons, private=True)

    async def decide(self, command: CommandInvocation, approve: bool) -> Reply:
        """``/approve <id>`` or ``/reject <id> <reason>``; the author hears the outcome.

        The id is looked up within the caller's platform and workspace only: an admin of one
        server can neither decide another's suggestions nor have their text sent to its members.
        """
        head, _, reason = command.args.strip().partition(" ")
        if not head.lstrip("#").isdigit():
            return Reply(
                private=True, text="Which suggestion? `/approve 3` or `/reject 3 <reason>`."
            )
        sid, reason = int(head.lstrip("#")), reason.strip()
        if not approve and not reason:
            return replies.reject_form(sid)
        where = command.channel
        found = await asyncio.to_thread(self._store.get_suggestion, sid, where)
        status = "approved" if approve else "rejected"
        missing = Reply(
            private=True,
            text=f"Suggestion #{sid} is not waiting for review here. "
            "`/suggestions` lists the ones that are.",
        )
        if found is None or found.status != "pending":
            return missing
        if approve and self._rules is not None and self._publisher is not None:
            return await self._go_live(command, found, key_points_given(reason)) or missing
        if not await asyncio.to_thread(self._store.decide_suggestion, sid, where, status, reason):
            return missing
        if approve:
            notice = (
                f"🎉 Your suggested question #{sid} was approved: _{found.question}_. "
                "It joins the bank with the next content export."
            )
        else:
            notice = (
                f"Your suggested question #{sid} was not accepted: {reason}. "
                "You're welcome to rework it and `/suggest` it again."
            )
        await self._platform.reply_privately(
            found.channel, found.author, Reply(private=True, text=notice)
        )
        return Reply(private=True, text=f"Suggestion #{sid} {status}; I told its author.")

    async def _go_live(
        self, command: CommandInvocation, found: Suggestion, key_points: list[str]
    ) -> Reply | None:
        """Approve a valid suggestion into the running bank; None if it is not pending."""
        assert self._rules is not None and self._publisher is not None
        sid = found.id
        for _ in range(2):  # a second try when another instance took the id meanwhile
            await self._publisher.refresh_live()
            taken = self._publisher.taken_ids()
            item = self._rules.item_for(found, set(taken), key_points)
            problems = await asyncio.to_thread(self._rules.problems, item, taken)
            if problems:
                return not_valid(sid, problems)
            live = LiveItem(item, found.channel, sid, command.user.user_id, self._clock())
            outcome = await asyncio.to_thread(self._store.approve_live, sid, command.channel, live)
            if outcome != "id taken":
                break
        if outcome == "id taken":
            return Reply(
                private=True,
                text=f"Another question took the id `{item.id}` just now; "
                f"`/approve {sid}` again picks a new one.",
            )
        if outcome != "approved":
            return None
        await self._publisher.go_live(live)
        notice = (
            f"🎉 Your suggested question #{sid} was approved: _{found.question}_. "
            "It's in the bank now: it can come up as a question of the day, and `/explain` "
            "finds it."
        )
        await self._platform.reply_privately(
            found.channel, found.author, Reply(private=True, text=notice)
        )
        points = "\n".join(f"- {p}" for p in item.key_points)
        return Reply(
            private=True,
            text=f"Suggestion #{sid} approved; it's live as `{item.id}` ({item.topic}, "
            f"{item.difficulty.value}) with these key points:\n{points}\nI told its author.",
        )


def _queued(suggestion_id: int) -> str:
    return f"Thanks! Your question is in the moderation queue as #{suggestion_id}."
