"""Platform-neutral domain values shared by the core, the storage and every adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Difficulty(StrEnum):
    """How hard an interview question is."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


TOPICS: tuple[str, ...] = (
    "pretraining",
    "architecture",
    "tokenization",
    "fine-tuning",
    "preference-tuning",
    "quantization",
    "decoding",
    "prompting",
    "retrieval",
    "evaluation",
    "deployment",
    "math",
    "fundamentals",
    "safety",
)
"""The topic vocabulary items are tagged with (the content linter rejects others)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One question of the bank; a discussion prompt when it has no reference answer."""

    id: str
    question: str
    answer: str
    key_points: tuple[str, ...]
    topic: str
    difficulty: Difficulty
    source: str
    alternate_questions: tuple[str, ...] = ()
    alternate_answers: tuple[str, ...] = ()
    alternate_sources: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def is_prompt(self) -> bool:
        """True for a discussion prompt (no reference answer to grade against)."""
        return not self.answer.strip()


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel on one platform; ``workspace`` is the Slack team or Discord guild ("" if none)."""

    platform: str
    workspace: str
    channel: str

    def same_workspace(self, other: ChannelRef) -> bool:
        """Same platform and workspace (the same channel where there is no workspace: DMs)."""
        if (self.platform, self.workspace) != (other.platform, other.workspace):
            return False
        return bool(self.workspace) or self.channel == other.channel


@dataclass(frozen=True, slots=True)
class Scope:
    """The channels one instance serves in due work: one platform's (every platform's when
    empty) and, on Discord, only the guilds of its shards (``shard_ids`` of ``shard_count``)."""

    platform: str = ""
    shard_count: int = 1
    shard_ids: tuple[int, ...] = ()

    def serves(self, channel: ChannelRef) -> bool:
        """Whether ``channel`` is this instance's to post in."""
        if self.platform and channel.platform != self.platform:
            return False
        if self.shard_count <= 1 or not self.shard_ids:
            return True
        return shard_of(channel.workspace, self.shard_count) in self.shard_ids


@dataclass(frozen=True, slots=True)
class Instance:
    """A running instance as its heartbeat records it: its scope and when it last beat."""

    name: str
    scope: Scope
    started_at: datetime
    seen_at: datetime


def shard_of(guild: str, shard_count: int) -> int:
    """The Discord shard that receives a guild's events (DMs, without a guild, go to 0)."""
    return (int(guild) >> 22) % shard_count if guild.isdigit() else 0


@dataclass(frozen=True, slots=True)
class UserRef:
    """A member of a platform."""

    platform: str
    user_id: str
    display_name: str = ""
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A posted message; ``thread_id`` names the thread opened on it (may equal ``message_id``)."""

    channel: ChannelRef
    message_id: str
    thread_id: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    """An action a platform may render as a button; ``action`` is a core command name."""

    action: str
    label: str
    value: str = ""
    admin_only: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """A short labelled value shown beside a message (topic, difficulty, score …)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link the bot itself writes into a Reply: ``[label](url)``, declared in ``Reply.links``."""

    label: str
    url: str

    @property
    def markdown(self) -> str:
        """The link as Markdown, to put in a Reply's text."""
        return f"[{self.label}]({self.url})"


@dataclass(frozen=True, slots=True)
class FormField:
    """One text box of a Form."""

    name: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    max_length: int = 1000
    choices: tuple[str, ...] = ()
    """When set, one of these (a menu where the platform has one)."""


@dataclass(frozen=True, slots=True)
class Form:
    """Input the core needs before it can act: a modal on Slack and Discord.

    Submitted, it comes back as ``QotdService.on_form(form, values, …)``; a platform without
    modals shows the Reply's text, which says how to type the same thing as a command.
    """

    action: str
    value: str
    title: str
    fields: tuple[FormField, ...]
    submit: str = "Send"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core wants said; text is Markdown, adapters render it for their platform."""

    text: str
    title: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    context: str = ""
    private: bool = False
    attachments: tuple[str, ...] = ()
    """Paths of files (PNG charts) to show with the message; consoles print them."""
    links: tuple[Link, ...] = ()
    """The links the bot wrote in the text: only these render as links (``bot.core.links``)."""
    form: Form | None = None
    """Input to ask for in a modal (Reject's reason, a suggestion); see ``Form``."""


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A member's message as the core sees it: ``thread`` set when it was sent in a thread."""

    channel: ChannelRef
    user: UserRef
    text: str
    message: MessageRef | None = None
    thread: MessageRef | None = None
    is_direct: bool = False
    mentions_bot: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the core did with a member's message: what it said, or why it said nothing."""

    said: tuple[Reply, ...] = ()
    ignored: str = ""
    """Why nothing was said ("not addressed to the bot", "not an answer to grade" …)."""


@dataclass(frozen=True, slots=True)
class CommandInvocation:
    """A slash command (or its console equivalent): ``name`` like ``explain``, ``args`` the rest."""

    channel: ChannelRef
    user: UserRef
    name: str
    args: str = ""
    thread: MessageRef | None = None
    request: str = ""
    """The platform's id of this delivery (Slack's trigger_id), or "": a command carried out
    again after a crash with the same one changes nothing twice."""


@dataclass(frozen=True, slots=True)
class Match:
    """A retrieved item with its similarity score in [0, 1]."""

    item: Item
    score: float


COVERED, CONTRADICTED, MISSED = "covered", "contradicted", "missed"
"""The verdicts a key point can get."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an answer did with one key point, and the member's own words that show it."""

    point: str
    status: str
    """COVERED, CONTRADICTED or MISSED."""
    evidence: str = ""
    """The member's clause that states (or contradicts) the point; "" when missed."""
    kind: str = ""
    """For a contradiction: swap, reversal, negation or number."""


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of grading an answer against an item's key points."""

    item_id: str
    score: int
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    attempt: bool
    copied_from: str = ""
    verdicts: tuple[Verdict, ...] = ()
    no_claim: str = ""
    """Why the answer earns nothing although it is on topic: "echo" or "keywords"."""
    scored: bool = True
    """False for a member's later attempts on a post: feedback only, no points."""

    @property
    def contradicted(self) -> tuple[str, ...]:
        """Key points the answer stated something incompatible with."""
        return tuple(v.point for v in self.verdicts if v.status == CONTRADICTED)

    @property
    def flagged(self) -> bool:
        """True when the answer earns nothing: a near-copy, the question echoed, bare terms."""
        return bool(self.copied_from or self.no_claim)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a channel gets its daily question."""

    hour: int = 9
    minute: int = 0
    timezone: str = "UTC"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    reveal_after_minutes: int = 8 * 60
    topics: tuple[str, ...] = ()
    difficulty: str = ""
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Post:
    """A question posted (or claimed for posting) in a channel on a local date."""

    id: int
    channel: ChannelRef
    local_date: str
    item_id: str
    cycle: int
    created_at: datetime
    message: MessageRef | None = None
    revealed_at: datetime | None = None
    reveal_due_at: datetime | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Attempt:
    """A graded answer attempt stored for a post."""

    post_id: int
    user: UserRef
    text: str
    score: int
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    flagged: bool
    created_at: datetime
    message_id: str = ""
    """The platform message of the answer ("" if unknown); a redelivery of it is stored once."""
    contradicted: tuple[str, ...] = ()
    """Key points the answer contradicted (the group's misconceptions at reveal)."""
    scored: bool = True
    """Whether it counts for points and streaks: a member's first graded answer on a post."""
    feedback_sent: bool = True
    """False while its member has not been sent the feedback (a reprocessing sends it)."""


@dataclass(frozen=True, slots=True)
class UserStats:
    """A member's progress in one channel."""

    user_id: str
    display_name: str
    answered: int
    points: int
    average_score: float
    streak: int
    best_streak: int
    by_topic: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PracticeCard:
    """A member's spaced-repetition state for one item; ``state`` is the fsrs card as JSON."""

    platform: str
    user_id: str
    item_id: str
    topic: str
    state: str
    due: datetime
    reviews: int = 0
    last_score: int = 0
    reviewed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PracticeMember:
    """A member who practises: the item they are answering, and the opt-in daily nudge."""

    user: UserRef
    channel: ChannelRef
    pending_item_id: str = ""
    nudge: bool = False
    nudged_on: str = ""


@dataclass(frozen=True, slots=True)
class ScoredAnswer:
    """A member's best non-flagged score on one channel post (progress, charts, memory)."""

    user_id: str
    display_name: str
    item_id: str
    score: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A member's proposed question in the moderation queue."""

    id: int
    channel: ChannelRef
    author: UserRef
    question: str
    answer: str
    topic: str
    created_at: datetime
    status: str = "pending"
    reason: str = ""
    duplicate_of: str = ""
    request: str = ""
    """The platform delivery that made it: the same one queues it once."""


@dataclass(frozen=True, slots=True)
class LiveItem:
    """An item that joined the running bank from an approved suggestion (kept in the database).

    It is seen in ``owner``'s platform and workspace only (its channel where there is none),
    where it was moderated; the shipped bank files are seen everywhere.
    """

    item: Item
    owner: ChannelRef
    suggestion_id: int
    approved_by: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event as a platform delivered it, recorded in the inbox before it is acknowledged.

    ``key`` is the platform's id of the event (Slack's ``event_id``), the same in every
    redelivery; ``payload`` is what the adapter needs to process it again (JSON); ``tries``
    how often its processing started.
    """

    platform: str
    key: str
    payload: str
    received_at: datetime
    tries: int = 1


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """Messages of a question thread read back from the platform (``ThreadReader``).

    ``messages`` are the members' messages among those read, oldest first (the bot's own and
    other bots' are left out); ``last`` is the id of the last message read, whoever wrote it
    ("" when none was); ``more`` is True when the thread may hold messages after it.
    """

    messages: tuple[IncomingMessage, ...]
    last: str = ""
    more: bool = False
