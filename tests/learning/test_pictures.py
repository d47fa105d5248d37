"""The charts people look at: the weekly recap a team discusses, and a member's own week."""

from __future__ import annotations

from datetime import UTC, date, datetime

from matplotlib.text import Text

from bot.charts import figure
from bot.core.model import Attempt, ChannelRef, Post, ScoredAnswer, UserRef, UserStats
from bot.core.pictures import member_picture, scheduled_days, week_picture
from tests.core.items import small_bank

ITEMS = {item.id: item for item in small_bank(6)}
CHANNEL = ChannelRef("console", "local", "console")
ADA, BOB = UserRef("console", "ada", "Ada"), UserRef("console", "bob", "Bob")
MONDAY = date(2026, 3, 2)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def post(n: int, day: int) -> Post:
    return Post(n, CHANNEL, f"2026-03-{day:02d}", f"item-{n:02d}", 0, at(day, 9))


def attempt(post_id: int, user: UserRef, score: int, day: int, wrong: str = "") -> Attempt:
    contradicted = (wrong,) if wrong else ()
    return Attempt(post_id, user, "x", score, (), (), False, at(day), contradicted=contradicted)


def the_week() -> tuple[list[Post], dict[int, list[Attempt]], list[ScoredAnswer]]:
    posts = [post(1, 2), post(2, 3)]
    attempts = {
        1: [attempt(1, ADA, 100, 2), attempt(1, BOB, 34, 2, wrong="item-01 idea two")],
        2: [attempt(2, ADA, 67, 3, wrong="item-01 idea two")],
    }
    answers = [
        ScoredAnswer(a.user.user_id, a.user.display_name, f"item-{pid:02d}", a.score, a.created_at)
        for pid, made in attempts.items()
        for a in made
    ]
    return posts, attempts, answers


def texts_of(picture: object) -> list[str]:
    fig = figure(picture)  # type: ignore[arg-type]
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_the_recap_shows_each_question_with_its_coverage_and_answers() -> None:
    posts, attempts, answers = the_week()
    leaders = [
        UserStats("ada", "Ada", 2, 167, 83.5, 2, 2),
        UserStats("bob", "Bob", 1, 33, 33, 1, 1),
    ]
    picture = week_picture("Week of 02 Mar 2026", posts, attempts, ITEMS, leaders, answers)
    questions, members, errors, streaks = picture.panels
    assert [(b.label, b.text) for b in questions.bars] == [
        ("Mon · What is item 01?", "67% · 2 answers"),
        ("Tue · What is item 02?", "67% · 1 answer"),
    ]
    assert [(b.label, b.text) for b in members.bars] == [("Ada", "167 pts"), ("Bob", "34 pts")]
    assert [(b.label, b.text) for b in errors.bars] == [("item-01 idea two", "2 members")]
    assert [(b.label, b.text) for b in streaks.bars] == [("Ada", "2 day(s)"), ("Bob", "1 day(s)")]
    assert picture.subtitle == "3 answer(s) from 2 member(s) on 2 question(s)"


def test_the_drawn_recap_writes_values_names_and_question_titles_on_the_bars() -> None:
    posts, attempts, answers = the_week()
    leaders = [UserStats("ada", "Ada", 2, 167, 83.5, 2, 2)]
    shown = texts_of(week_picture("Week of 02 Mar", posts, attempts, ITEMS, leaders, answers))
    for expected in ("67% · 2 answers", "Mon · What is item 01?", "Ada", "167 pts", "2 members"):
        assert expected in shown


def test_a_monday_to_friday_week_has_no_weekend_bars() -> None:
    days = scheduled_days(MONDAY, 7, (0, 1, 2, 3, 4))
    assert [d.strftime("%a") for d in days] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    _, _, answers = the_week()
    mine = [a for a in answers if a.user_id == "ada"]
    picture = member_picture("Ada: the last 7 days", mine, ITEMS, days, "UTC")
    per_question = picture.panels[0]
    assert len(per_question.bars) == 5
    assert not any(b.label.startswith(("Sat", "Sun")) for b in per_question.bars)
    assert (per_question.bars[0].label, per_question.bars[0].text) == (
        "Mon 02 · What is item 01?",
        "100/100",
    )
    assert per_question.bars[2].text == "not answered"
    shown = texts_of(picture)
    assert "100/100" in shown and "2 of 5 scheduled day(s) answered" in shown
