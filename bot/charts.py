"""PNG charts of progress with matplotlib's object API (Agg canvas: no display, no pyplot state)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure

from bot.core.model import ScoredAnswer


def _per_day(answers: Sequence[ScoredAnswer], days: Sequence[date], zone: ZoneInfo) -> list[int]:
    counts = Counter(a.answered_at.astimezone(zone).date() for a in answers)
    return [counts.get(day, 0) for day in days]


def _by_topic(answers: Sequence[ScoredAnswer], topics: Mapping[str, str]) -> dict[str, float]:
    scores: dict[str, list[int]] = {}
    for a in answers:
        if a.item_id in topics:
            scores.setdefault(topics[a.item_id], []).append(a.score)
    return {t: sum(s) / len(s) for t, s in sorted(scores.items())}


def progress_chart(
    path: Path,
    title: str,
    answers: Sequence[ScoredAnswer],
    topics: Mapping[str, str],
    first_day: date,
    timezone: str,
    days: int = 7,
) -> Path:
    """Two panels: answers per local day from ``first_day``, and average coverage by topic."""
    zone = ZoneInfo(timezone)
    span = [first_day + timedelta(days=i) for i in range(days)]
    counts = _per_day(answers, span, zone)
    coverage = _by_topic(answers, topics)
    fig = Figure(figsize=(10, 4), dpi=100)
    left, right = fig.subplots(1, 2)
    fig.suptitle(title)
    left.bar([d.strftime("%a %d") for d in span], counts, color="#4a7bd0")
    left.set_title("Answers per day")
    left.tick_params(axis="x", labelrotation=45)
    left.yaxis.get_major_locator().set_params(integer=True)
    names = list(coverage) or ["(no answers)"]
    values = list(coverage.values()) or [0.0]
    right.barh(names, values, color="#5bb381")
    right.set_xlim(0, 100)
    right.set_title("Key-point coverage by topic")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
