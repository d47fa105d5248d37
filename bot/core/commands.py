"""Recognising commands and explain requests in free text (slash commands, mentions, DMs)."""

from __future__ import annotations

import difflib
import re
import unicodedata

from bot.core import handlers
from bot.core.registry import Access, Action, Argument, Command, Kind, Registry

REGISTRY = Registry(
    (
        Command(
            "today", "show today's question (posts it if it hasn't been posted yet)", handlers.today
        ),
        Command(
            "explain",
            "the closest reference answer (also `explain X` in a message)",
            handlers.explain,
            arguments=(
                Argument(
                    "topic", "A topic or question, e.g. LoRA or 'why KV cache'", required=True
                ),
            ),
            usage="<topic or question>",
        ),
        Command("reveal", "reveal today's answer and wrap up", handlers.reveal, Access.ADMIN),
        Command("skip", "replace today's question with another", handlers.skip, Access.ADMIN),
        Command("topics", "topics in the bank", handlers.topics),
        Command(
            "schedule",
            "show the schedule",
            handlers.schedule,
            Access.ADMIN_TO_CHANGE,
            arguments=(
                Argument(
                    "settings",
                    "e.g. '09:30 Europe/Paris', 'days=mon-fri', 'reveal=8h', 'topics=any', "
                    "'difficulty=hard', 'pause', 'resume'",
                    max_length=300,
                ),
            ),
            more="`/schedule 09:30 Europe/Paris mon-fri reveal=8h` changes it (admins)",
        ),
        Command(
            "stats",
            "answers, points, streaks, strongest and weakest topics",
            handlers.stats,
            arguments=(
                Argument("member", "Whose stats (default: yours)", Kind.MEMBER),
                Argument(
                    "view",
                    "chart: add your chart; channel: the whole channel",
                    Kind.CHOICE,
                    choices=("chart", "channel"),
                ),
            ),
            usage="[user]",
            more="`/stats channel` for the whole channel; `/stats chart` adds your chart",
        ),
        Command(
            "leaderboard",
            "the ranking",
            handlers.leaderboard,
            arguments=(
                Argument(
                    "period",
                    "week (default), month or all time",
                    Kind.CHOICE,
                    choices=("week", "month", "all"),
                ),
            ),
            usage="[week|month|all]",
        ),
        Command(
            "practice",
            "a private practice card (due reviews first, then your weakest topics)",
            handlers.practice,
            arguments=(
                Argument(
                    "answer",
                    "Your answer to the card (or 'nudge on' / 'nudge off')",
                    max_length=4000,
                ),
            ),
            more="`/practice <answer>` to answer it; `/practice nudge on|off` for a daily reminder",
        ),
        Command(
            "suggest",
            "propose a question for the bank (a form when you give none)",
            handlers.suggest,
            arguments=(
                Argument("suggestion", "question | reference answer | topic", max_length=4000),
            ),
            usage="<question> | <answer> | <topic>",
        ),
        Command("suggestions", "the moderation queue", handlers.suggestions, Access.ADMIN),
        Command(
            "approve",
            "add a suggested question to the bank; its author hears it",
            handlers.approve,
            Access.ADMIN,
            arguments=(Argument("id", "The suggestion's number", required=True),),
            usage="<id>",
        ),
        Command(
            "reject",
            "turn a suggestion down, saying why; its author hears it",
            handlers.reject,
            Access.ADMIN,
            arguments=(
                Argument("id", "The suggestion's number", required=True),
                Argument("reason", "Why, so the author can improve it", max_length=1000),
            ),
            usage="<id> <reason>",
        ),
        Command("help", "this message", handlers.help_),
    ),
    actions=(
        Action("explain_related", "explain", "<topic>"),
        Action("reveal", "reveal", ""),
        Action("skip", "skip", ""),
        Action("approve_suggestion", "approve"),
        Action("reject_suggestion", "reject", "{value} <reason>"),
    ),
)
"""Every command and button of qotd, declared once."""

COMMANDS: tuple[str, ...] = REGISTRY.names

MAX_QUERY_CHARS = 500

_MENTION = re.compile(r"<@[!&]?[\w.-]+>|<!\w+(?:\|[^>]*)?>|@(?:everyone|here|channel)\b")
_EXPLAIN = re.compile(r"^\s*/?(?:explain|define|eli5)\b[\s:,-]*(.*)$", re.IGNORECASE | re.DOTALL)
_WHAT_IS = re.compile(
    r"^(?:what\s+(?:is|are)|what'?s)\s+(?!(?:your|you|my|our|their|this|that|it|up|going|"
    r"happening|new)\b)(?:an?\s+|the\s+)?[\w.+/-]+(?:\s+[\w.+/-]+){0,3}\s*\??$",
    re.IGNORECASE,
)
"""A short "what's DPO" / "what is a KV cache?": an ask, never an answer."""
_BARE_TERM = re.compile(r"^[\w.+/-]+(?:\s+[\w.+/-]+){0,2}\s*\?$")
"""One to three words and a question mark ("gptq?", "kv cache?"): an ask for the term."""


def clean_text(text: str) -> str:
    """Drop control and zero-width characters and platform mention tokens; collapse spaces."""
    text = _MENTION.sub(" ", text)
    kept = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"[ \t]+", " ", kept).strip()


def split_command(text: str) -> tuple[str, str] | None:
    """``/name args`` or ``name args`` with a known command name → (name, args); else None."""
    stripped = clean_text(text)
    m = re.match(r"^/?([A-Za-z]+)\b\s*(.*)$", stripped, re.DOTALL)
    if not m:
        return None
    name = m.group(1).lower()
    if name not in COMMANDS:
        return None
    return name, m.group(2).strip()


def unknown_command(text: str) -> str | None:
    """The name in ``/name …`` when it is not a command we know, else None."""
    m = re.match(r"^\s*/([A-Za-z][\w-]*)", text)
    if m and m.group(1).lower() not in COMMANDS:
        return m.group(1)
    return None


def explain_query(text: str) -> str | None:
    """The subject of an ``explain X`` message, or None when the text is not such a request."""
    m = _EXPLAIN.match(clean_text(text))
    if not m:
        return None
    return m.group(1).strip()[:MAX_QUERY_CHARS]


def short_ask(text: str) -> str | None:
    """A short "what's DPO" or "gptq?" as an explain ask, else None.

    Only where the bot is addressed (a question thread, a DM): in a channel "lunch?" is chatter.
    """
    cleaned = clean_text(text).replace("\u2019", "'")
    if _WHAT_IS.match(cleaned) or _BARE_TERM.match(cleaned):
        return cleaned[:MAX_QUERY_CHARS]
    return None


def closest_command(name: str) -> str | None:
    """The command a mistyped name most likely meant (``stat`` → ``stats``), or None."""
    found = difflib.get_close_matches(name.lower(), COMMANDS, n=1, cutoff=0.6)
    return found[0] if found else None
