"""Parsing and evaluating channel schedules: time of day, IANA timezone, weekdays, reveal delay."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.model import Difficulty, Schedule

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule setting the user typed is invalid; the message says how to fix it."""


def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name`` or a ScheduleError naming it."""
    try:
        if not name or ("/" not in name and name not in ("UTC", "GMT")):
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        hint = _closest_zone(name)
        suggestion = f" Did you mean `{hint}`?" if hint else ""
        raise ScheduleError(
            f"`{name}` is not an IANA timezone.{suggestion} "
            "Use a name like `Europe/Paris`, `America/New_York` or `UTC`."
        ) from exc


def _closest_zone(name: str) -> str:
    wanted = name.lower().replace(" ", "_")
    for candidate in sorted(available_timezones()):
        if candidate.lower().endswith("/" + wanted) or candidate.lower() == wanted:
            return candidate
    return ""


def parse_time(text: str) -> tuple[int, int]:
    """``09:30``, ``9:30``, ``9am``, ``6:15pm`` → (hour, minute)."""
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not m or (m.group(2) is None and m.group(3) is None):
        raise ScheduleError(f"`{text}` is not a time of day. Use 24-hour `HH:MM`, e.g. `09:30`.")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{text}`: with am/pm the hour must be 1-12.")
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{text}` is not a valid time: hours go 0-23, minutes 0-59.")
    return hour, minute


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``mon-fri``, ``mon,wed,fri``, ``daily``, ``weekdays``, ``weekends`` → weekday numbers."""
    spec = text.strip().lower()
    presets = {
        "daily": "mon-sun",
        "everyday": "mon-sun",
        "weekdays": "mon-fri",
        "weekends": "sat-sun",
    }
    spec = presets.get(spec, spec)
    days: set[int] = set()
    for part in spec.split(","):
        bounds = [p.strip()[:3] for p in part.split("-")]
        if len(bounds) not in (1, 2) or any(b not in DAY_NAMES for b in bounds):
            raise ScheduleError(
                f"`{text}` is not a list of weekdays. Use e.g. `mon-fri`, `mon,wed,fri` or `daily`."
            )
        start, end = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        days.update(span)
    return tuple(sorted(days))


def parse_duration_minutes(text: str) -> int:
    """``8h``, ``90m``, ``1h30m`` → minutes (between 1 minute and 7 days)."""
    m = re.fullmatch(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?", text.strip().lower())
    if not m or not any(m.groups()):
        raise ScheduleError(f"`{text}` is not a duration. Use e.g. `8h`, `90m` or `1h30m`.")
    minutes = int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    if not 1 <= minutes <= 7 * 24 * 60:
        raise ScheduleError("The reveal delay must be between 1 minute and 7 days.")
    return minutes


def apply_settings(current: Schedule, args: str, known_topics: set[str]) -> Schedule:
    """Apply ``/schedule`` arguments such as ``09:30 Europe/Paris mon-fri reveal=6h``."""
    result = current
    for token in args.split():
        key, _, value = token.partition("=")
        key = key.lower()
        if not value:
            result = _apply_bare(result, token)
        elif key in ("time", "at"):
            hour, minute = parse_time(value)
            result = replace(result, hour=hour, minute=minute)
        elif key in ("tz", "timezone"):
            zone(value)
            result = replace(result, timezone=value)
        elif key in ("days", "weekdays"):
            result = replace(result, weekdays=parse_weekdays(value))
        elif key == "reveal":
            result = replace(result, reveal_after_minutes=parse_duration_minutes(value))
        elif key == "topics":
            result = replace(result, topics=_parse_topics(value, known_topics))
        elif key == "difficulty":
            result = replace(result, difficulty=_parse_difficulty(value))
        else:
            raise ScheduleError(
                f"Unknown setting `{key}`. Settings: time=HH:MM, tz=Area/City, days=mon-fri, "
                "reveal=8h, topics=a,b (or any), difficulty=easy|medium|hard|any, pause, resume."
            )
    return result


def _apply_bare(result: Schedule, token: str) -> Schedule:
    low = token.lower()
    if low in ("pause", "off", "stop"):
        return replace(result, paused=True)
    if low in ("resume", "on", "start"):
        return replace(result, paused=False)
    if re.fullmatch(r"\d{1,2}(:\d{2})?\s*(am|pm)?", low):
        hour, minute = parse_time(token)
        return replace(result, hour=hour, minute=minute)
    if "/" in token or token in ("UTC", "GMT"):
        zone(token)
        return replace(result, timezone=token)
    try:
        return replace(result, weekdays=parse_weekdays(token))
    except ScheduleError:
        raise ScheduleError(
            f"I don't understand `{token}`. Example: `/schedule 09:30 Europe/Paris mon-fri`, "
            "or `/schedule reveal=6h topics=quantization,decoding difficulty=hard`."
        ) from None


def _parse_topics(value: str, known: set[str]) -> tuple[str, ...]:
    if value.lower() in ("any", "all", "*"):
        return ()
    topics = tuple(t.strip().lower() for t in value.split(",") if t.strip())
    unknown = [t for t in topics if t not in known]
    if unknown:
        raise ScheduleError(
            f"Unknown topic(s): {', '.join(unknown)}. Known topics: {', '.join(sorted(known))}."
        )
    return topics


def _parse_difficulty(value: str) -> str:
    low = value.lower()
    if low in ("any", "all", "*"):
        return ""
    if low not in {d.value for d in Difficulty}:
        raise ScheduleError("Difficulty must be easy, medium, hard or any.")
    return low


def local_now(schedule: Schedule, now: datetime) -> datetime:
    """``now`` (aware) expressed in the schedule's timezone."""
    return now.astimezone(zone(schedule.timezone))


def due_local_date(schedule: Schedule, now: datetime) -> date | None:
    """The local date whose slot has come by ``now``, or None (paused, off day, not yet time).

    A slot that falls in a daylight-saving gap counts as due as soon as the clock passes it,
    so the day is never skipped; the per-date delivery record keeps a repeated hour from
    posting twice.
    """
    if schedule.paused:
        return None
    local = local_now(schedule, now)
    if local.weekday() not in schedule.weekdays:
        return None
    if (local.hour, local.minute) < (schedule.hour, schedule.minute):
        return None
    return local.date()


def next_slot(schedule: Schedule, now: datetime, after: date | None = None) -> datetime | None:
    """The UTC instant of the first slot on a scheduled local day from today on (after
    ``after``, the last day already posted); None when paused or on no day.

    Today's slot counts even when its time has passed, as ``due_local_date`` does; a slot in a
    daylight-saving gap falls just after the gap.
    """
    if schedule.paused or not schedule.weekdays:
        return None
    tz = zone(schedule.timezone)
    day = now.astimezone(tz).date()
    if after is not None and after >= day:
        day = after + timedelta(days=1)
    while day.weekday() not in schedule.weekdays:
        day += timedelta(days=1)
    local = datetime.combine(day, time(schedule.hour, schedule.minute), tz)
    return local.astimezone(UTC)


def next_monday_slot(schedule: Schedule, now: datetime, after: date | None = None) -> datetime:
    """The UTC instant of the schedule's time on the first local Monday from today on (after
    ``after``): when the weekly recap falls due."""
    tz = zone(schedule.timezone)
    day = now.astimezone(tz).date()
    if after is not None and after >= day:
        day = after + timedelta(days=1)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(schedule.hour, schedule.minute), tz).astimezone(UTC)


def reveal_time(schedule: Schedule, posted_at: datetime) -> datetime:
    """When a question posted at ``posted_at`` gets its answer revealed."""
    return posted_at + timedelta(minutes=schedule.reveal_after_minutes)


def describe(schedule: Schedule) -> str:
    """A one-line human description of a schedule."""
    if schedule.weekdays == tuple(range(7)):
        days = "every day"
    elif schedule.weekdays == (0, 1, 2, 3, 4):
        days = "Monday to Friday"
    else:
        days = ", ".join(DAY_NAMES[d].capitalize() for d in schedule.weekdays) or "no days"
    hours, minutes = divmod(schedule.reveal_after_minutes, 60)
    delay = f"{hours}h{minutes:02d}" if minutes else f"{hours}h"
    parts = [
        f"{schedule.hour:02d}:{schedule.minute:02d} {schedule.timezone}, {days}",
        f"answer revealed after {delay}",
        f"topics: {', '.join(schedule.topics) if schedule.topics else 'all'}",
        f"difficulty: {schedule.difficulty or 'any'}",
    ]
    if schedule.paused:
        parts.append("PAUSED (`/schedule resume` to restart)")
    return "; ".join(parts)


def _days_text(weekdays: tuple[int, ...]) -> str:
    if weekdays == tuple(range(7)):
        return "every day"
    if weekdays == (0, 1, 2, 3, 4):
        return "Monday to Friday"
    return ", ".join(DAY_NAMES[d].capitalize() for d in weekdays) or "no days"


def changes(before: Schedule, after: Schedule, args: str) -> list[str]:
    """What a ``/schedule`` command changed, said plainly, with a hint where it may surprise."""
    said: list[str] = []
    if (before.hour, before.minute) != (after.hour, after.minute):
        said.append(
            f"time {before.hour:02d}:{before.minute:02d} → {after.hour:02d}:{after.minute:02d}"
        )
    if before.timezone != after.timezone:
        said.append(f"timezone {before.timezone} → {after.timezone}")
    if before.weekdays != after.weekdays:
        line = f"days {_days_text(before.weekdays)} → {_days_text(after.weekdays)}"
        if len(after.weekdays) < len(before.weekdays) and "days=" not in args.lower():
            line += (
                " (the days you name replace the old ones: to keep them, list them all, "
                "e.g. `/schedule days=mon-fri`)"
            )
        said.append(line)
    if before.reveal_after_minutes != after.reveal_after_minutes:
        said.append("reveal delay changed")
    if before.topics != after.topics:
        said.append(f"topics: {', '.join(after.topics) or 'all'}")
    if before.difficulty != after.difficulty:
        said.append(f"difficulty: {after.difficulty or 'any'}")
    if before.paused != after.paused:
        said.append("paused" if after.paused else "resumed")
    return said
