"""A team's first days on the console: restarts, names, asks in the thread, typos, schedules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.console import runner as console_runner
from adapters.console.platform import CONSOLE_CHANNEL
from adapters.console.session import ConsoleSession, console_member
from bot import cli
from bot.core.commands import closest_command, short_ask
from bot.core.model import Schedule
from bot.embedding_cache import EmbeddingCache
from tests.core.items import make_item, small_bank
from tests.fakes.hash_embedder import HashEmbedder
from tests.learning.conftest import Console, make_console

EVERY_DAY = Schedule(hour=0, weekdays=tuple(range(7)))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "day.db"


@pytest.fixture
def console(db: Path) -> Iterator[Console]:
    made = make_console(db)
    made.store.set_schedule(CONSOLE_CHANNEL, EVERY_DAY)
    yield made
    made.store.close()
    made.learning.close()


async def opened(console: Console) -> Console:
    await console.session.open()
    return console


def answer_for(console: Console) -> str:
    thread = console.platform.current_thread
    assert thread is not None
    post = console.store.post_by_thread(CONSOLE_CHANNEL, thread.thread_id)
    assert post is not None
    item = console.service.daily.item(post.item_id)
    assert item is not None
    return f"My answer: {item.key_points[0]} and {item.key_points[1]}."


async def test_an_answer_after_a_same_day_restart_is_graded_not_dropped(db: Path) -> None:
    first = await opened(make_console(db))
    assert "Score:" in await first.say(answer_for(first))
    first.store.close()
    second = await opened(make_console(db))  # same day, same database, a new process
    said = await second.say(answer_for(second))
    assert "Not graded" not in said
    assert "Score:" in said
    second.store.close()


def test_each_console_name_is_its_own_member() -> None:
    ada, bob, default = console_member("Ada Lovelace"), console_member("bob"), console_member()
    assert len({ada.user_id, bob.user_id, default.user_id}) == 3
    assert (ada.display_name, ada.user_id) == ("Ada Lovelace", "console-ada-lovelace")
    assert default.user_id == "console-user"  # the id databases of earlier versions hold


async def test_two_console_names_keep_separate_stats(console: Console) -> None:
    await opened(console)
    await console.say(answer_for(console))
    ada = ConsoleSession(console.service, console.platform, console_member("Ada"), console.out)
    start = len(console.out.getvalue())
    await ada.handle("/stats")
    assert "You haven't answered a question here yet" in console.out.getvalue()[start:]
    start = len(console.out.getvalue())
    await ada.handle("/stats you")
    assert "You haven't answered" in console.out.getvalue()[start:]


async def test_stats_you_on_the_console_shows_your_own_stats(console: Console) -> None:
    await opened(console)
    await console.say(answer_for(console))
    said = await console.say("/stats you")
    assert "hasn't answered" not in said
    assert "1 answered" in said


async def test_stats_by_display_name_finds_the_member(console: Console) -> None:
    await opened(console)
    ada = ConsoleSession(console.service, console.platform, console_member("Ada"), console.out)
    await ada.handle(answer_for(console))
    said = await console.say("/stats ada")
    assert "**Ada**: 1 answered" in said


@pytest.mark.parametrize("ask", ["what's DPO", "What is a KV cache?", "gptq?", "kv cache?"])
async def test_short_asks_in_the_question_thread_are_explained_not_graded(
    console: Console, ask: str
) -> None:
    await opened(console)
    said = await console.say(ask)
    assert "Not graded" not in said
    assert "I don't have a reference answer close to" in said  # NoRetriever abstains


@pytest.mark.parametrize(
    "text",
    [
        "what's up",
        "what's your take?",
        "Quantization maps weights to fewer bits, which cuts memory.",
        "What is important here is that the KV cache stores keys and values per layer.",
    ],
)
def test_answers_and_chatter_are_not_short_asks(text: str) -> None:
    assert short_ask(text) is None


async def test_today_status_has_no_doubled_brackets(console: Console) -> None:
    await opened(console)
    said = await console.say("/today")
    assert "Status: open." in said
    assert "))" not in said


@pytest.mark.parametrize(("typed", "meant"), [("stat", "stats"), ("leaderbord", "leaderboard")])
async def test_a_mistyped_command_gets_a_did_you_mean(
    console: Console, typed: str, meant: str
) -> None:
    said = await console.say(f"/{typed}")
    assert f"Unknown command `/{typed}`. Did you mean `/{meant}`?" in said
    assert closest_command(typed) == meant


async def test_nonsense_command_gets_no_guess(console: Console) -> None:
    said = await console.say("/frobnicate")
    assert "Unknown command `/frobnicate`" in said and "Did you mean" not in said


async def test_schedule_tuesday_says_it_replaced_the_days(db: Path) -> None:
    console = make_console(db)  # the default Monday-to-Friday schedule
    said = await console.say("/schedule tuesday")
    assert "Changed: days Monday to Friday → Tue" in said
    assert "replace the old ones" in said
    schedule = console.store.get_schedule(CONSOLE_CHANNEL)
    assert schedule is not None and schedule.weekdays == (1,)
    console.store.close()


async def test_filters_that_leave_one_question_warn(db: Path) -> None:
    bank = [*small_bank(6), make_item("lonely", "safety", difficulty="hard")]
    console = make_console(db, items=bank)
    said = await console.say("/schedule topics=safety difficulty=hard")
    assert "Only 1 question matches these filters" in said
    wide = await console.say("/schedule topics=quantization difficulty=any")
    assert "⚠️" not in wide
    console.store.close()


def test_the_console_embeds_the_bank_without_a_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"text number {i}" for i in range(300)]
    EmbeddingCache(HashEmbedder(), tmp_path / "a").encode(texts)
    assert "embedding 300 texts" in capsys.readouterr().err  # the bar other commands show
    EmbeddingCache(HashEmbedder(), tmp_path / "b", progress=False).encode(texts)
    assert "embedding" not in capsys.readouterr().err
    asked: dict[str, object] = {}

    def knowledge(settings: object, **kwargs: object) -> object:
        asked.update(kwargs)
        raise cli.UserError("stop here")

    monkeypatch.setattr("adapters.console.runner.load_knowledge", knowledge)
    monkeypatch.setenv("QOTD_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(cli.UserError):
        console_runner.run(cli._settings())
    assert asked == {"background": True, "progress": False}
