"""What each command does: the handlers the registry (``bot.core.commands``) points at."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core import replies
from bot.core.model import CommandInvocation, Reply
from bot.core.schedules import apply_settings, describe

if TYPE_CHECKING:
    from bot.core.service import QotdService

NOT_SET_UP = "{what} are not set up on this bot yet."


async def help_(service: QotdService, command: CommandInvocation) -> Reply:
    """The commands, as the registry declares them."""
    return Reply(private=True, text=replies.help_text(service.commands.help_lines()))


async def today(service: QotdService, command: CommandInvocation) -> Reply:
    """Today's question, posted now if it was not (on demand: no daily questions follow)."""
    known = await service.channels.known(command.channel)
    post, fresh = await service.daily.post_today(command.channel)
    if post is None:
        return Reply(private=True, text="Today's question is being posted; try again shortly.")
    item = service.daily.item(post.item_id)
    if fresh or item is None:
        text = "Today's question is posted: answer in its thread."
        if known is None:
            text += " " + replies.ON_DEMAND
        return Reply(private=True, text=text)
    base = replies.question_post(item, "Today's question")
    status = "revealed" if post.revealed_at else "open"
    return replace(base, private=True, context=f"{base.context} Status: {status}.")


async def explain(service: QotdService, command: CommandInvocation) -> Reply:
    """The closest reference answer."""
    limited = service.over_limit(command.user)
    return limited or await service.explain(command.args, where=command.channel)


async def reveal(service: QotdService, command: CommandInvocation) -> Reply:
    """Reveal the open question's answer now."""
    post = await service.daily.current_post(command.channel)
    if post is None:
        latest = await asyncio.to_thread(service.store.latest_post, command.channel)
        post = latest if latest and not latest.revealed_at and not latest.skipped else None
    if post is None:
        return Reply(private=True, text="There is no open question to reveal here.")
    if not await service.daily.reveal(post):
        return Reply(private=True, text="Today's answer was already revealed in its thread.")
    return Reply(private=True, text="Revealed the answer in the question's thread.")


async def skip(service: QotdService, command: CommandInvocation) -> Reply:
    """Replace today's question with another."""
    post = await service.daily.skip(command.channel)
    if post is None:
        return Reply(private=True, text="There is no question today to skip. Try `/today`.")
    item = service.daily.item(post.item_id)
    return Reply(private=True, text=f"Skipped. New question: {item.question if item else '?'}")


async def topics(service: QotdService, command: CommandInvocation) -> Reply:
    """The bank's topics with their question counts."""
    counts: dict[str, list[int]] = {}
    for item in service.items_for(command.channel):
        answered, prompts = counts.setdefault(item.topic, [0, 0])
        counts[item.topic] = [answered + (not item.is_prompt), prompts + item.is_prompt]
    lines = [
        f"- **{topic}**: {a} questions" + (f", {p} discussion prompts" if p else "")
        for topic, (a, p) in sorted(counts.items())
    ]
    return Reply(title="Topics", text="\n".join(lines), private=True)


async def schedule(service: QotdService, command: CommandInvocation) -> Reply:
    """Show the schedule; with settings (admins), change it and register the channel."""
    if not command.args.strip():
        shown = await service.channels.schedule_of(command.channel)
        return Reply(private=True, text=f"Schedule: {describe(shown)}.")
    if not service.is_admin(command.user):
        return replies.refuse("schedule")
    current = await service.channels.schedule_of(command.channel)
    items = service.items_for(command.channel)
    updated = apply_settings(current, command.args, {item.topic for item in items})
    await service.channels.set(command.channel, updated)
    text = replies.schedule_updated(current, updated, command.args, items)
    return Reply(private=True, text=text)


async def stats(service: QotdService, command: CommandInvocation) -> Reply:
    """A member's stats; ``channel`` for the channel's, ``chart`` with your chart."""
    args = command.args.strip().lstrip("@")
    words = args.lower().split()
    view = words[-1] if words and words[-1] in ("chart", "channel") else ""
    learning = service.learning
    if learning and view == "channel":
        return await learning.channel_stats(command.channel)
    chart = learning is not None and view == "chart"
    target = (
        command.user.user_id if chart or not args else await _member_named(service, command, args)
    )
    shown = await service.channels.schedule_of(command.channel)
    found = await asyncio.to_thread(
        service.store.user_stats, command.channel, target, shown.timezone
    )
    if learning:
        found = await learning.with_topics(command.channel, found)
    name = (found.display_name if found else "") or (
        command.user.display_name if target == command.user.user_id else target
    )
    reply = replies.stats(found, name or target, yourself=target == command.user.user_id)
    if chart and learning and found is not None:
        reply = await learning.member_chart(command.channel, command.user, reply)
    return reply


SELF_WORDS = frozenset({"me", "you", "myself", "mine"})
"""What ``/stats <who>`` accepts for the member asking (the console's default name is "you")."""


async def _member_named(service: QotdService, command: CommandInvocation, target: str) -> str:
    """The user id ``/stats <target>`` means: yourself ("me", "you", your name), a member's
    id, or the member of the channel going by that display name."""
    me = command.user
    wanted = target.casefold()
    if wanted in SELF_WORDS or wanted == me.display_name.casefold() or target == me.user_id:
        return me.user_id
    schedule = await service.channels.schedule_of(command.channel)
    rows = await asyncio.to_thread(
        service.store.leaderboard, command.channel, None, 1000, schedule.timezone
    )
    if any(r.user_id == target for r in rows):
        return target
    named = [r.user_id for r in rows if r.display_name.casefold() == wanted]
    return named[0] if len(named) == 1 else target


async def leaderboard(service: QotdService, command: CommandInvocation) -> Reply:
    """The channel's ranking for a week, a month or all time."""
    shown = await service.channels.schedule_of(command.channel)
    period = (command.args.strip().lower() or "week").removesuffix("ly")
    since = {
        "week": service.daily.week_start(shown),
        "month": service.daily.month_start(shown),
        "all": None,
    }
    if period not in since:
        return Reply(private=True, text="Use `/leaderboard week`, `month` or `all`.")
    rows = await asyncio.to_thread(
        service.store.leaderboard, command.channel, since[period], 10, shown.timezone
    )
    return replies.leaderboard(rows, "all time" if period == "all" else f"this {period}")


async def practice(service: QotdService, command: CommandInvocation) -> Reply:
    """A private practice card, its grading, or the daily nudge setting."""
    if service.learning is None:
        return Reply(private=True, text=NOT_SET_UP.format(what="Practice cards"))
    return service.over_limit(command.user) or await service.learning.on_practice(command)


async def suggest(service: QotdService, command: CommandInvocation) -> Reply:
    """Queue a member's question for review (a form when they gave none)."""
    if service.suggestions is None:
        return Reply(private=True, text=NOT_SET_UP.format(what="Suggestions"))
    if not command.args.strip():
        return replies.suggest_form()
    return service.over_limit(command.user) or await service.suggestions.suggest(command)


async def suggestions(service: QotdService, command: CommandInvocation) -> Reply:
    """The moderation queue."""
    if service.suggestions is None:
        return Reply(private=True, text=NOT_SET_UP.format(what="Suggestions"))
    return await service.suggestions.queue(command)


async def approve(service: QotdService, command: CommandInvocation) -> Reply:
    """Approve a suggestion; its author hears it."""
    if service.suggestions is None:
        return Reply(private=True, text=NOT_SET_UP.format(what="Suggestions"))
    return await service.suggestions.decide(command, approve=True)


async def reject(service: QotdService, command: CommandInvocation) -> Reply:
    """Reject a suggestion with a reason (a form asks for one when it is missing)."""
    if service.suggestions is None:
        return Reply(private=True, text=NOT_SET_UP.format(what="Suggestions"))
    return await service.suggestions.decide(command, approve=False)
