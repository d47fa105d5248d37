"""Recognising commands and explain requests in free text (slash commands, mentions, DMs)."""

from __future__ import annotations

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
