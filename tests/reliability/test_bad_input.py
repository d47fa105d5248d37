"""Hostile and malformed input never crashes the bot and always gets a clear answer:
property-based tests of the command parser, the schedule settings, message handling and the
content loader."""

from __future__ import annotations

import asyncio
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.bank import load_bank
from bot.content.schema import ContentError
from bot.core.commands import clean_text, explain_query, split_command, unknown_command
from bot.core.model import IncomingMessage, MessageRef, Schedule
from bot.core.schedules import ScheduleError, apply_settings, due_local_date, next_slot, zone
from tests.reliability.fakes import ADA, ADMIN, CHANNEL, make_service, posted_question

NASTY = [
    "\u200b\u200c\u200d\ufeff",  # zero-width
    "\u202e\u2066\u2067\u2068\u2069",  # bidi overrides
    "مرحبا بالعالم שלום עולם",  # right-to-left text
    "\x00\x01\x07\x1b[31m\x7f",  # control characters, ANSI escapes
    "<@U123> <@!456> <@&789> <!channel> <!here|here> @everyone @here",  # mention tokens
    "*bold* _it_ ~strike~ `code` ```block``` > quote [link](http://x) <http://x|y>",
    "<script>alert(1)</script> ${jndi:ldap://x} '; DROP TABLE attempts; --",
    "/explain /schedule tz=../../etc/passwd",
    "\ud7ff\ue000\U0010ffff 🤖👩‍💻",
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=20), max_size=12).map("".join),
    st.sampled_from(NASTY).map(lambda s: s * 4000),  # ≥ 100 kB once repeated
    st.builds(
        lambda w, r: f"{w} {r}",
        st.sampled_from(
            [
                "/explain",
                "explain",
                "/schedule",
                "/stats",
                "/leaderboard",
                "/today",
                "/reveal",
                "/skip",
                "/nope",
                "eli5",
            ]
        ),
        st.text(),
    ),
)
FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(texts)
def test_command_parsing_never_raises_on_any_text(text: str) -> None:
    cleaned = clean_text(text)
    assert "\u200b" not in cleaned and "\x00" not in cleaned
    parsed = split_command(text)
    assert parsed is None or parsed[0].isalpha()
    unknown_command(text)
    query = explain_query(text)
    assert query is None or len(query) <= 500


settings_words = st.sampled_from(
    [
        "09:30",
        "25:00",
        "9am",
        "13pm",
        "tz=Europe/Paris",
        "tz=Mars/Olympus",
        "tz=../../etc/passwd",
        "tz=UTC",
        "tz=",
        "days=mon-fri",
        "days=funday",
        "reveal=8h",
        "reveal=0m",
        "reveal=9999h",
        "topics=decoding",
        "topics=astrology",
        "difficulty=hard",
        "difficulty=extreme",
        "pause",
        "resume",
        "Europe/Paris",
        "*/5",
        "0 9 * * 1-5",
        "time=24:60",
        "at=-1:00",
    ]
)


@FAST
@given(st.lists(settings_words | st.text(max_size=30), max_size=6).map(" ".join))
def test_schedule_settings_give_a_valid_schedule_or_a_clear_error(args: str) -> None:
    try:
        result = apply_settings(Schedule(), args, {"decoding", "quantization"})
    except ScheduleError as exc:
        assert str(exc) and len(str(exc)) < 2000
        return
    assert 0 <= result.hour <= 23 and 0 <= result.minute <= 59
    zone(result.timezone)
    next_slot(result, datetime.now(UTC))  # its next slot can be computed
    due_local_date(result, datetime.now(UTC))


@pytest.mark.parametrize(
    "args",
    [
        "tz=Mars/Olympus",
        "tz=../../etc/passwd",
        "tz=\x00/x",
        "25:00",
        "time=7:99",
        "days=funday",
        "0 9 * * 1-5",
        "reveal=0m",
        "tz=" + "A/" * 5000,
    ],
)
def test_invalid_cron_or_timezone_is_explained(args: str) -> None:
    with pytest.raises(ScheduleError) as error:
        apply_settings(Schedule(), args, set())
    message = str(error.value)
    assert len(message) > 30 and message.rstrip().endswith((".", "?"))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=texts, where=st.sampled_from(["thread", "mention", "direct", "channel"]))
def test_any_message_is_handled_without_crashing(tmp_path: Path, text: str, where: str) -> None:
    async def scenario() -> None:
        service, platform = make_service(tmp_path, rate_limit=0)
        post = await posted_question(service)
        message = IncomingMessage(
            channel=CHANNEL,
            user=ADA,
            text=text,
            message=MessageRef(CHANNEL, f"m-{len(platform.sent)}", post.message.thread_id),  # type: ignore[union-attr]
            thread=post.message if where == "thread" else None,
            is_direct=where == "direct",
            mentions_bot=where == "mention",
        )
        await service.on_message(message)
        for sent in platform.sent[1:]:
            assert sent.reply is None or (sent.reply.text and len(sent.reply.text) < 8000)
        reply = await service.on_text_command(CHANNEL, ADMIN, text)
        assert reply.text and len(reply.text) < 8000
        service.store.close()

    asyncio.run(scenario())


bank_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
item_like = st.fixed_dictionaries(
    {},
    optional={
        "id": bank_values,
        "question": bank_values,
        "answer": bank_values,
        "key_points": bank_values,
        "topic": st.sampled_from(["decoding", "astrology"]) | bank_values,
        "difficulty": st.sampled_from(["easy", "extreme"]) | bank_values,
        "source": bank_values,
    },
)
raw_files = st.one_of(
    st.text(max_size=400),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.lists(item_like, max_size=4).map(lambda items: yaml.safe_dump(items, allow_unicode=True)),
    bank_values.map(lambda v: yaml.safe_dump(v)),
    st.sampled_from(
        [
            "- id: [unclosed",
            "\t- id: tab",
            "!!python/object:os.system {}",
            "- &a [*a]",
            "- id: x\n  id: y",
            "a: &x 1\nb: *y",
            "%YAML 9.9\n---\n- id: x",
            "- " * 200,
        ]
    ),
)


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(files=st.lists(raw_files, min_size=1, max_size=3), binary=st.booleans())
def test_malformed_content_files_raise_content_error_and_nothing_else(
    tmp_path_factory: pytest.TempPathFactory, files: list[str], binary: bool
) -> None:
    directory = tmp_path_factory.mktemp("bank")
    for n, text in enumerate(files):
        path = directory / f"topic{n}.yaml"
        if binary:
            path.write_bytes(b"\xff\xfe" + text.encode("utf-8", "surrogatepass"))
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        bank = load_bank(directory)
    except ContentError as exc:
        assert str(exc).strip()
        return
    assert all(item.id and item.question for item in bank.items)


def test_huge_answer_in_a_thread_is_graded_and_stored_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        service, platform = make_service(tmp_path)
        post = await posted_question(service)
        text = ("idea one " + string.ascii_letters) * 2500  # ~150 kB
        message = IncomingMessage(
            CHANNEL, ADA, text, MessageRef(CHANNEL, "big", "t"), thread=post.message
        )
        await service.on_message(message)
        await service.on_message(message)  # the platform redelivers it
        stored = service.store.attempts_for_post(post.id)
        assert len(stored) == 1 and len(stored[0].text) > 100_000
        [feedback] = platform.of("private")
        assert feedback.reply is not None and "I graded the first 4,000" in feedback.reply.text
        service.store.close()

    asyncio.run(scenario())


def test_deeply_nested_content_file_is_a_content_error(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("- " * 5000 + "x\n")
    with pytest.raises(ContentError):
        load_bank(tmp_path)
