"""Core Replies as Slack Block Kit: Markdown → mrkdwn, escaped (no pings), split to limits.

Slack's HTML escaping is undone once on the way in (``decode``) and applied once on the way
out (``escape``, inside ``mrkdwn``). Only the links a Reply declares become Slack links
(``bot.core.links``): a member's ``[label](url)`` shows its URL.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.commands import REGISTRY
from bot.core.links import inert
from bot.core.model import Link, Reply
from bot.core.registry import Command

Block = dict[str, Any]

MAX_SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_HEADER_CHARS = 150
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_CHARS = 300

_FENCE = re.compile(r"(```.*?```)", re.S)
_INLINE_CODE = re.compile(r"(`[^`\n]+`)")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s|]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.I)
_ANGLE = re.compile(r"<([^<>\n]+)>")


def escape(text: str) -> str:
    """Slack's control characters escaped, so ``<!channel>`` or ``<@U1>`` show as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def decode(text: str) -> str:
    """Incoming Slack text as the member typed it, for the core: ``&lt;`` ``&gt;`` ``&amp;``
    decoded once; Slack's link markup ``<url|label>`` as ``label (url)`` (never a masked
    link again), ``<url>`` as the URL. Mentions (``<@U1>``, ``<#C1>``, ``<!here>``) stay as
    Slack sent them: the core recognises them, and ``escape`` shows them on the way out.
    """

    def link(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner[:1] in ("@", "#", "!"):
            return match.group(0)
        url, _, label = inner.partition("|")
        if not label or label in (url, url.partition(":")[2].lstrip("/")):
            return label or url
        return f"{label} ({url})"

    text = _ANGLE.sub(link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def defuse(text: str) -> str:
    """A word joiner after ``@`` in ``@channel``/``@here``/``@everyone``: shown, never a ping."""
    return _BROADCAST.sub("@\u2060\\1", text)


def spelling(command: Command, args: str) -> str:
    """The core's ``/explain lora`` is ``/qotd explain lora`` on Slack (one slash command)."""
    return f"/qotd {command.name} {args}".rstrip()


def slash_commands(markdown: str) -> str:
    """Every command the core names, as Slack members type it."""
    return REGISTRY.respell(markdown, spelling)


def mrkdwn(markdown: str, links: tuple[Link, ...] = ()) -> str:
    """Markdown as Slack mrkdwn; every ``&``, ``<``, ``>`` of the input is escaped, and only
    ``links`` (the ones the bot wrote) become Slack links."""
    out: list[str] = []
    for n, part in enumerate(_FENCE.split(inert(markdown, links))):
        if n % 2:  # a fenced code block: drop the language tag, keep the code verbatim
            out.append("```" + escape(re.sub(r"^```[\w+-]*\n?", "", part)))
        else:
            out.append(_inline(part))
    return "".join(out)


def _inline(text: str) -> str:
    # Code spans are set aside first, so emphasis may wrap them and nothing inside them changes.
    codes: list[str] = []

    def stash(match: re.Match[str]) -> str:
        codes.append(escape(match.group(0)))
        return f"\x01{len(codes) - 1}\x01"

    text = _INLINE_CODE.sub(stash, text.replace("\x00", "").replace("\x01", ""))
    text = defuse(escape(text))
    text = _HEADING.sub(lambda m: f"\x00{m.group(1)}\x00", text)
    text = _BULLET.sub(r"\1• ", text)
    text = _BOLD.sub(lambda m: f"\x00{m.group(2)}\x00", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = text.replace("\x00", "*")
    return re.sub("\x01(\\d+)\x01", lambda m: codes[int(m.group(1))], text)


def chunks(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraphs, lines or words.

    A code block cut in two is closed and reopened, so both halves still render as code.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit - 4]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > limit // 2 else limit - 4
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head.count("```") % 2:
            head, rest = head + "\n```", "```\n" + rest
        pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


def _text(kind: str, text: str) -> Block:
    if kind == "plain_text":
        return {"type": "plain_text", "text": text, "emoji": True}
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def blocks(reply: Reply) -> list[Block]:
    """Header, sections, context (fields, then context) and actions, in that order."""
    out: list[Block] = []
    if reply.title:
        title = " ".join(inert(reply.title).split())
        if len(title) > MAX_HEADER_CHARS:
            title = title[: MAX_HEADER_CHARS - 1] + "…"
        out.append({"type": "header", "text": _text("plain_text", title)})
    links = reply.links
    for piece in chunks(mrkdwn(slash_commands(reply.text), links)):
        out.append({"type": "section", "text": _text("mrkdwn", piece)})
    if reply.fields:
        line = "  ·  ".join(f"*{escape(f.name)}:* {mrkdwn(f.value, links)}" for f in reply.fields)
        out.append({"type": "context", "elements": [_text("mrkdwn", chunks(line)[0])]})
    if reply.context:
        note = chunks(mrkdwn(slash_commands(reply.context), links))[0]
        out.append({"type": "context", "elements": [_text("mrkdwn", note)]})
    if reply.buttons:
        elements = [
            {
                "type": "button",
                "action_id": b.action,
                "text": _text("plain_text", b.label[:MAX_BUTTON_LABEL]),
                "value": b.value[:MAX_BUTTON_VALUE],
            }
            for b in reply.buttons
        ]
        out.append({"type": "actions", "block_id": "qotd_actions", "elements": elements})
    return out


def fallback(reply: Reply) -> str:
    """The notification text sent beside the blocks (escaped like them)."""
    plain = inert(reply.title or " ".join(reply.text.split()))
    if len(plain) > MAX_FALLBACK_CHARS:
        plain = plain[: MAX_FALLBACK_CHARS - 1] + "…"
    return defuse(escape(plain))


def messages(reply: Reply) -> list[list[Block]]:
    """The reply as one or more messages of at most 50 blocks (the buttons stay in the first)."""
    every = blocks(reply)
    actions = [b for b in every if b["type"] == "actions"]
    rest = [b for b in every if b["type"] != "actions"]
    first = rest[: MAX_BLOCKS - len(actions)] + actions
    more = rest[MAX_BLOCKS - len(actions) :]
    return [first] + [more[i : i + MAX_BLOCKS] for i in range(0, len(more), MAX_BLOCKS)]


MAX_HOME_BLOCKS = 100


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab (``views.publish``) showing ``reply``."""
    return {"type": "home", "blocks": blocks(reply)[:MAX_HOME_BLOCKS]}
