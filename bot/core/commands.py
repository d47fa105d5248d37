"""Recognising commands and explain requests in free text (slash commands, mentions, DMs)."""

from __future__ import annotations

import difflib
import re
import unicodedata

COMMANDS: tuple[str, ...] = (
    "today",
    "explain",
    "reveal",
    "skip",
    "topics",
    "schedule",
    "stats",
    "leaderboard",
    "practice",
    "suggest",
    "suggestions",
    "approve",
    "reject",
    "help",
)
ADMIN_COMMANDS = frozenset({"reveal", "skip", "suggestions", "approve", "reject"})
"""Commands only admins may run; ``schedule`` with arguments is checked separately."""

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
