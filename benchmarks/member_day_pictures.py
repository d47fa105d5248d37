"""Render docs/recap-week.png and docs/stats-chart.png from a simulated Mon-Fri week.

Three members answer the shipped bank's daily questions on the console (clock moved with
time-machine); answers are graded by key-point words (the real grader is not the subject
here), one member contradicts a key point twice. Then Monday's recap and `/stats chart` run
exactly as in production and their PNGs are copied into docs/.

    PYTHONPATH=. python benchmarks/member_day_pictures.py
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from adapters.console.platform import CONSOLE_CHANNEL
from adapters.console.session import ConsoleSession, console_member
from bot.content.bank import load_bank
from bot.core.model import CONTRADICTED, COVERED, MISSED, Grade, Item, Schedule, Verdict
from tests.learning.conftest import make_console

DOCS = Path(__file__).resolve().parents[1] / "docs"
MEMBERS = ("Ada", "Bob", "Chen")
COVERS = {"Ada": 3, "Bob": 2, "Chen": 1}
"""How many key points each member covers in a typical answer."""


class PointGrader:
    """Covers the key points an answer quotes; "not <point>" contradicts it."""

    def grade(self, item: Item, answer: str, earlier: Sequence[tuple[str, str]] = ()) -> Grade:
        text = answer.lower()
        verdicts = []
        for point in item.key_points:
            if f"not {point.lower()}" in text:
                verdicts.append(Verdict(point, CONTRADICTED, answer))
            elif point.lower() in text:
                verdicts.append(Verdict(point, COVERED, answer))
            else:
                verdicts.append(Verdict(point, MISSED))
        covered = tuple(v.point for v in verdicts if v.status == COVERED)
        missed = tuple(v.point for v in verdicts if v.status != COVERED)
        score = round(100 * len(covered) / max(len(item.key_points), 1))
        return Grade(item.id, score, covered, missed, True, verdicts=tuple(verdicts))


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="qotd-pictures-"))
    items = [i for i in load_bank().items if not i.is_prompt]
    console = make_console(work / "week.db", items=items, grader=PointGrader())
    console.store.set_schedule(CONSOLE_CHANNEL, Schedule(hour=9, timezone="Europe/Paris"))
    sessions = {
        name: ConsoleSession(console.service, console.platform, console_member(name), console.out)
        for name in MEMBERS
    }
    for day in range(2, 7):  # Monday 2 to Friday 6 March 2026
        with time_machine.travel(datetime(2026, 3, day, 10, 0, tzinfo=UTC), tick=False):
            post, _ = await console.service.daily.post_today(CONSOLE_CHANNEL)
            assert post is not None and post.message is not None
            console.platform.current_thread = post.message
            item = console.service.daily.item(post.item_id)
            assert item is not None
            for n, name in enumerate(MEMBERS):
                if name == "Chen" and day in (3, 5):
                    continue  # Chen misses two days
                points = list(item.key_points[: COVERS[name]])
                if name == "Bob" and day in (2, 4):
                    points.append(f"not {item.key_points[-1]}")
                with time_machine.travel(datetime(2026, 3, day, 10, 5 + n, tzinfo=UTC)):
                    await sessions[name].handle("I think: " + "; ".join(points) + ".")
    with time_machine.travel(datetime(2026, 3, 9, 9, 5, tzinfo=UTC), tick=False):
        await console.service.run_learning()
        await sessions["Ada"].handle("/stats chart")
    charts = sorted((work / "charts").glob("*.png"))
    recap = next(p for p in charts if "recap" in p.name)
    mine = next(p for p in charts if "recap" not in p.name)
    shutil.copy(recap, DOCS / "recap-week.png")
    shutil.copy(mine, DOCS / "stats-chart.png")
    print(console.out.getvalue()[-2500:])
    print(f"wrote {DOCS / 'recap-week.png'} and {DOCS / 'stats-chart.png'}")


if __name__ == "__main__":
    asyncio.run(main())
