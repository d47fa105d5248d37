"""``/qotd-admin doctor``: what the bot can and cannot do in a channel, and how to fix it."""

from __future__ import annotations

import discord

from bot.core.model import Reply

CHECKS: tuple[tuple[str, str, str], ...] = (
    ("view_channel", "View Channel", "see the channel"),
    ("send_messages", "Send Messages", "post the daily question"),
    ("embed_links", "Embed Links", "show questions and answers as embeds"),
    ("create_public_threads", "Create Public Threads", "open the discussion thread"),
    ("send_messages_in_threads", "Send Messages in Threads", "post reveals in the thread"),
    ("add_reactions", "Add Reactions", "react ✅ to answers"),
    ("read_message_history", "Read Message History", "see answers in older threads"),
)


def diagnose(
    permissions: discord.Permissions,
    intents: discord.Intents,
    app_flags: discord.ApplicationFlags,
    channel_mention: str,
) -> Reply:
    """A checklist of the bot's permissions in the channel and of the Message Content intent."""
    lines: list[str] = []
    missing: list[str] = []
    for attribute, label, why in CHECKS:
        ok = getattr(permissions, attribute)
        lines.append(f"{'✅' if ok else '❌'} **{label}**: to {why}")
        if not ok:
            missing.append(label)
    portal = app_flags.gateway_message_content or app_flags.gateway_message_content_limited
    if intents.message_content and portal:
        lines.append("✅ **Message Content intent**: answers typed in threads are graded")
    else:
        lines.append(
            "❌ **Message Content intent**: answers typed in threads can't be read; members can "
            "still use the **Check my answer** button"
        )
    fixes: list[str] = []
    if missing:
        fixes.append(
            f"Give the bot's role {', '.join(missing)} in {channel_mention}: channel settings → "
            "Permissions → the bot's role (or Server Settings → Roles for every channel)."
        )
    if not portal:
        fixes.append(
            "Turn on Message Content Intent: Discord Developer Portal → your application → Bot → "
            "Privileged Gateway Intents, then restart the bot."
        )
    elif not intents.message_content:
        fixes.append("Set `DISCORD_MESSAGE_CONTENT=true` and restart the bot.")
    if not fixes:
        fixes.append("Nothing to fix: the bot has everything it needs here.")
    return Reply(
        title="qotd doctor",
        text="\n".join(lines) + "\n\n**What to do**\n" + "\n".join(f"- {f}" for f in fixes),
        private=True,
    )
