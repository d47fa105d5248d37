"""No hidden links from members: only the links the bot declares render as links.

Replies mix the bot's words with members' (explain queries, display names, suggestions,
reject reasons …), and both platforms turn Markdown ``[label](url)`` into a link that shows
the label and hides the URL. Rather than marking every member-supplied span, a Reply lists
the links the core itself wrote (``Reply.links``, built with ``Link.markdown``); renderers
pass its text through ``inert`` first, which breaks every other ``](`` into ``] (``. What a
member typed then shows as ``[Claim your prize] (https://evil.example)``: the URL in plain
sight. This holds however the text was assembled: a link split across a display name and
the bot's words, or nested in another, is broken too.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.model import Link

_SLOT = "\x02"


def inert(markdown: str, links: Iterable[Link] = ()) -> str:
    """``markdown`` in which only ``links`` can render as links (code spans included)."""
    declared = [link.markdown for link in links]
    text = markdown.replace(_SLOT, "")
    for n, link in enumerate(declared):
        text = text.replace(link, f"{_SLOT}{n}{_SLOT}")
    text = text.replace("](", "] (")
    for n, link in enumerate(declared):
        text = text.replace(f"{_SLOT}{n}{_SLOT}", link)
    return text
