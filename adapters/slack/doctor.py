"""``/qotd doctor``: what the bot can and cannot do in this channel, and exactly how to fix it."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.model import ChannelRef, Reply

APPS = "https://api.slack.com/apps"

SCOPES: tuple[tuple[str, str], ...] = (
    ("chat:write", "post questions, reveals and private feedback"),
    ("commands", "answer /qotd"),
    ("reactions:write", "react to answers"),
    ("users:read", "recognise workspace admins and show names"),
    ("app_mentions:read", "answer @qotd explain …"),
    ("channels:history", "read answers in threads of public channels"),
    ("groups:history", "read answers in threads of private channels"),
    ("im:history", "answer explain … in a DM"),
    ("channels:read", "check membership of public channels"),
    ("groups:read", "check membership of private channels"),
    ("files:write", "upload the weekly recap chart and your /qotd stats chart"),
    ("im:write", "open the DM your /qotd stats chart goes to"),
)

REINSTALL = (
    f"{APPS} → your app → OAuth & Permissions → Scopes → add the missing bot token scopes, "
    "then Reinstall to Workspace (or paste adapters/slack/manifest.yml again under App Manifest)."
)


def granted_scopes(header: str) -> set[str]:
    """The scopes listed in the ``x-oauth-scopes`` header of a Web API response."""
    return {s.strip() for s in header.split(",") if s.strip()}


async def diagnose(client: AsyncWebClient, channel: ChannelRef, heard_messages: bool) -> Reply:
    """A checklist for ``channel``; ``heard_messages``: a message event came from it."""
    lines: list[str] = []
    fixes: list[str] = []
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        return _report(
            [f"❌ **Token**: Slack refused it ({exc.response.get('error')})"],
            ["Copy the Bot User OAuth Token again (OAuth & Permissions) into SLACK_BOT_TOKEN."],
        )
    bot = str(auth.get("user_id", ""))
    lines.append(
        f"✅ **Token**: I am @{auth.get('user', bot)} in {auth.get('team', 'this workspace')}"
    )
    headers = {k.lower(): v for k, v in (auth.headers or {}).items()}
    granted = granted_scopes(str(headers.get("x-oauth-scopes", "")))
    missing = [(s, why) for s, why in SCOPES if s not in granted]
    if not granted:
        lines.append("⚠️ **Scopes**: Slack did not list them, so I could not check")
    elif missing:
        lines += [f"❌ **Scope `{s}`**: needed to {why}" for s, why in missing]
        fixes.append(REINSTALL)
    else:
        lines.append("✅ **Scopes**: every scope qotd uses is granted")
    private = False
    if channel.channel.startswith("D"):
        lines.append("✅ **Channel**: this is a DM with me (daily questions go to channels)")
    else:
        try:
            info = (await client.conversations_info(channel=channel.channel))["channel"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            lines.append(f"❌ **Channel**: I can't see this channel ({error})")
            fixes.append("Invite me here: type `/invite @qotd` in this channel.")
        else:
            private = bool(info.get("is_private"))
            if info.get("is_archived"):
                lines.append("❌ **Channel**: archived, so I can't post here")
                fixes.append("Unarchive the channel, or run qotd in another one.")
            elif info.get("is_member"):
                lines.append("✅ **Membership**: I am a member, so I can post the daily question")
            else:
                lines.append("❌ **Membership**: I am not a member, so I can't post here")
                fixes.append("Invite me here: type `/invite @qotd` in this channel.")
    event = "message.groups" if private else "message.channels"
    if heard_messages:
        lines.append("✅ **Thread replies**: message events from this channel reach me")
    else:
        lines.append(
            f"⚠️ **Thread replies**: no message event from this channel has reached me yet "
            f"(answers in threads need the `{event}` event)"
        )
        fixes.append(
            f"If answers in the question's thread get no reaction: {APPS} → your app → Event "
            f"Subscriptions → Subscribe to bot events → add `{event}`, save, reinstall the app."
        )
    return _report(lines, fixes or ["Nothing to fix: I have everything I need here."])


def _report(lines: list[str], fixes: list[str]) -> Reply:
    text = "\n".join(lines) + "\n\n**What to do**\n" + "\n".join(f"- {f}" for f in fixes)
    return Reply(title="qotd doctor", text=text, private=True)
