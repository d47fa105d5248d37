"""Recognise page chrome (marketing, social and navigation lines) left in scraped Q&A pages."""

from __future__ import annotations

import re

CHROME_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^explore\s?(all the latest|most recent)",
        r"\binterview for free\b",
        r"^100% actual interview",
        r"^-?\s*\w+ level question$",
        r"^\d+ min read\b",
        r"^any doubt in content\b",
        r"^chat$",
        r"\bi'm your learning assistant\b",
        r"^follow for more\b",
        r"^(like|share|comment|repost|save)$",
        r"^for answers refer\b",
        r"^in case you missed\b",
        r"^part [ivx\d]+$",
        r"^bhavishya pandit$",
        r"^table of contents$",
    )
)
"""Lines that are page furniture, never interview content (matched on the stripped line)."""

_SENTENCE_END = (".", ":", "?", "!", ";", ",")


def is_chrome(line: str) -> bool:
    """True when the line is marketing, social or navigation text from the page around the Q&A."""
    text = line.strip().strip("*").strip()
    return bool(text) and any(pattern.search(text) for pattern in CHROME_PATTERNS)


def is_diagram_label(line: str) -> bool:
    """True for a short caption-like fragment (a label from an infographic) inside a post.

    Only meaningful for post-style pages where answers are prose, bullets or formulas.
    """
    text = line.strip()
    if not text or text.startswith(("-", "*", "•", "$", "#", "|")) or text[0].isdigit():
        return False
    if text.endswith(_SENTENCE_END) or any(ch in text for ch in "()$=`"):
        return False
    return len(text.split()) <= 6


def chrome_lines(text: str) -> list[tuple[int, str]]:
    """The (0-based line offset, line) pairs of ``text`` that look like page chrome."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines()) if is_chrome(line)]
