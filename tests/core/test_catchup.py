"""Answer catch-up: answers posted in open question threads while the bot was not listening
are graded once it is back, once, whatever was seen live or by another instance."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import catchup
from bot.core.model import CommandInvocation, MessageRef, Post, Schedule, UserRef
from bot.core.replies import CAUGHT_UP
from bot.core.service import MARK_RETRY, QotdService, unsent_grace
from bot.settings import Settings
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import ThreadedPlatform
from tests.reliability.botproc import FakeGrader, FakeSearcher
from tests.reliability.fakes import ADA, ADMIN, CHANNEL, Clock

BOB = UserRef("test", "U-bob", "Bob")
OTHER_BOT = UserRef("test", "U-otherbot", "Some bot")


def service_on(url: str, platform: ThreadedPlatform, clock: Clock) -> QotdService:
    return QotdService(
        small_bank(12),
        SqlStore(url),
        platform,
        FakeSearcher(),
        FakeGrader(),
        clock=clock,
        rate_limit_per_minute=2,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def url(tmp_path: Path) -> str:
    store = SqlStore(f"sqlite:///{tmp_path / 'qotd.db'}")
    store.set_schedule(CHANNEL, Schedule(hour=9, weekdays=tuple(range(7))))
    store.close()
    return f"sqlite:///{tmp_path / 'qotd.db'}"


@pytest.fixture
def platform() -> ThreadedPlatform:
    return ThreadedPlatform()


@pytest.fixture
def service(url: str, platform: ThreadedPlatform, clock: Clock) -> QotdService:
    return service_on(url, platform, clock)


async def open_thread(service: QotdService) -> tuple[Post, MessageRef]:
    post, _ = await service.daily.post_today(CHANNEL)
    assert post is not None and post.message is not None
    return post, post.message


def feedback_to(platform: ThreadedPlatform, user: UserRef) -> list[str]:
    return [
        s.reply.text
        for s in platform.of("private")
        if s.user == user and s.reply and "Score" in s.reply.text
    ]


async def test_an_answer_posted_while_down_gets_its_feedback_once_the_bot_is_back(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    post, thread = await open_thread(service)
    missed = platform.say(thread, ADA, "It trades memory for accuracy, roughly.")

    graded = await service.catch_up_answers("test")

    assert graded == 1
    [feedback] = [s for s in platform.of("private") if s.user == ADA]
    assert feedback.reply is not None and "Score: 50/100" in feedback.reply.text
    assert CAUGHT_UP in feedback.reply.context
    [reaction] = platform.of("react")
    assert reaction.target == missed.message and reaction.emoji == "white_check_mark"
    [attempt] = service.store.attempts_for_post(post.id)
    assert attempt.user.user_id == ADA.user_id and attempt.message_id == "t00001"


async def test_an_answer_graded_live_is_not_graded_again(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    live = platform.say(thread, ADA, "My live answer about it.")
    await service.on_message(live)
    platform.say(thread, BOB, "Bob's answer, posted during a gateway outage.")

    await service.catch_up_answers("test")
    await service.catch_up_answers("test")

    assert len(feedback_to(platform, ADA)) == 1
    assert len(feedback_to(platform, BOB)) == 1
    assert len(platform.of("react")) == 2


async def test_a_second_run_reads_on_from_where_the_first_stopped(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, ADA, "First answer.")
    await service.catch_up_answers("test")
    platform.say(thread, BOB, "Second answer, after the next outage.")

    await service.catch_up_answers("test")

    assert [after for _, after, _ in platform.reads] == [thread.thread_id, "t00001"]
    assert len(feedback_to(platform, BOB)) == 1 and len(feedback_to(platform, ADA)) == 1


async def test_bots_requests_and_chatter_are_not_graded_as_answers(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, OTHER_BOT, "I am another bot's announcement.", bot=True)
    platform.say(thread, ADA, "explain lora")
    platform.say(thread, BOB, "@qotd what is this?", mentions_bot=True)
    platform.say(thread, ADA, "   ")

    assert await service.catch_up_answers("test") == 0
    assert platform.sent == [s for s in platform.sent if s.kind == "post"]


async def test_the_reveal_wrap_up_counts_an_answer_the_bot_missed(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, ADA, "Ada answered while the bot was down.")

    reply = await service.on_command(CommandInvocation(CHANNEL, ADMIN, "reveal"))

    assert reply.text.startswith("Revealed")
    [wrap_up] = platform.of("thread")
    assert wrap_up.reply is not None and "1 member answered" in wrap_up.reply.text
    assert len(feedback_to(platform, ADA)) == 1


async def test_caught_up_answers_are_not_rate_limited(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    for n in range(4):  # the limit is 2 a minute, but these were posted over hours
        platform.say(thread, ADA, f"Attempt number {n} at the answer.")

    assert await service.catch_up_answers("test") == 4
    assert len(feedback_to(platform, ADA)) == 4
    assert not [s for s in platform.of("private") if s.reply and "slow" in s.reply.text.lower()]


async def test_only_the_channels_this_instance_serves_are_read(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, ADA, "An answer in a server another shard serves.")

    assert await service.catch_up_answers("test", lambda c: c.workspace != "w") == 0
    assert await service.catch_up_answers("other-platform") == 0
    assert platform.reads == []


async def test_a_revealed_or_old_post_is_not_read_back(
    service: QotdService, platform: ThreadedPlatform, clock: Clock
) -> None:
    post, thread = await open_thread(service)
    platform.say(thread, ADA, "A late answer.")
    clock.now += catchup.OPEN_FOR + timedelta(minutes=1)

    assert await service.catch_up_answers("test") == 0
    clock.now -= catchup.OPEN_FOR
    service.store.mark_revealed(post.id, clock.now)
    assert await service.catch_up_answers("test") == 0
    assert platform.reads == []


async def test_a_long_thread_is_read_in_bounded_pages(
    service: QotdService, platform: ThreadedPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catchup, "PAGE", 2)
    monkeypatch.setattr(catchup, "MAX_MESSAGES", 5)
    _, thread = await open_thread(service)
    for n in range(7):
        platform.say(thread, UserRef("test", f"U-{n}", f"Member {n}"), f"Answer {n}.")

    assert await service.catch_up_answers("test") == 5
    assert [limit for _, _, limit in platform.reads] == [2, 2, 1]
    assert await service.catch_up_answers("test") == 2
    assert len(platform.of("react")) == 7


async def test_a_failure_mid_thread_is_retried_next_run_and_nothing_is_graded_twice(
    service: QotdService, platform: ThreadedPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, ADA, "Ada's answer.")
    platform.say(thread, BOB, "Bob's answer.")
    real_add = service.store.add_attempt
    calls = 0

    def flaky_add(attempt: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("database blip")
        return real_add(attempt)  # type: ignore[arg-type]

    monkeypatch.setattr(service.store, "add_attempt", flaky_add)
    assert await service.catch_up_answers("test") == 1
    assert await service.catch_up_answers("test") == 1
    assert len(feedback_to(platform, ADA)) == 1 and len(feedback_to(platform, BOB)) == 1


async def test_two_instances_catching_up_together_send_each_feedback_once(
    url: str, service: QotdService, platform: ThreadedPlatform, clock: Clock
) -> None:
    _, thread = await open_thread(service)
    for n in range(6):
        platform.say(thread, UserRef("test", f"U-{n}", f"Member {n}"), f"Answer {n}.")
    other = service_on(url, platform, clock)  # same database and platform, second process

    await asyncio.gather(service.catch_up_answers("test"), other.catch_up_answers("test"))

    assert len(platform.of("react")) == 6
    assert sorted(s.user.user_id for s in platform.of("private") if s.user) == [
        f"U-{n}" for n in range(6)
    ]


async def test_reconnects_in_a_burst_run_one_catch_up_at_a_time(
    service: QotdService, platform: ThreadedPlatform
) -> None:
    _, thread = await open_thread(service)
    platform.say(thread, ADA, "An answer.")

    first = service.catch_up_answers("test")
    again = service.catch_up_answers("test")
    assert again is first
    assert await first == 1
    assert len(platform.reads) == 2  # one run, then the one asked for meanwhile
    assert len(feedback_to(platform, ADA)) == 1


@pytest.mark.parametrize(
    ("lease_seconds", "later", "sent"),
    [(5, timedelta(seconds=140), True), (600, timedelta(minutes=4), False)],
    ids=["short-lease-sent-after-it", "long-lease-left-to-the-inbox"],
)
async def test_an_answer_stored_without_feedback_is_left_to_the_inbox_for_its_configured_lease(
    url: str,
    platform: ThreadedPlatform,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    lease_seconds: int,
    later: timedelta,
    sent: bool,
) -> None:
    settings = Settings(_env_file=None, inbox_lease_seconds=lease_seconds)  # type: ignore[call-arg]
    options = settings.service_options()
    service = QotdService(
        small_bank(12),
        SqlStore(url),
        platform,
        FakeSearcher(),
        FakeGrader(),  # type: ignore[arg-type]
        clock=clock,
        **options,
    )
    assert service.unsent_grace == unsent_grace(timedelta(seconds=lease_seconds))
    assert service.unsent_grace > timedelta(seconds=lease_seconds) + MARK_RETRY
    _, thread = await open_thread(service)
    live = platform.say(thread, ADA, "An answer stored, then its process died.")
    sending = platform.reply_privately

    async def dies(*args: object, **kwargs: object) -> None:
        raise ConnectionError("killed before the feedback went out")

    monkeypatch.setattr(platform, "reply_privately", dies)
    with pytest.raises(ConnectionError):
        await service.on_message(live)
    monkeypatch.setattr(platform, "reply_privately", sending)

    clock.now += later
    await service.catch_up_answers("test")
    assert len(feedback_to(platform, ADA)) == (1 if sent else 0)
    # Left to the inbox, it is read again by the next run once the grace is over; sent once.
    clock.now += service.unsent_grace
    await service.catch_up_answers("test")
    await service.catch_up_answers("test")
    assert len(feedback_to(platform, ADA)) == 1
