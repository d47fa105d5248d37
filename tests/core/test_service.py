"""The service as adapters use it: real model and bank, a SQLite store, a fake platform."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Knowledge
from bot.core.model import ChannelRef, IncomingMessage, MessageRef, Post, UserRef
from bot.core.service import QotdService
from tests.core.conftest import CHANNEL, Clock
from tests.fakes.platform import RecordingPlatform

ADA = UserRef("test", "U-ada", "Ada")
BOB = UserRef("test", "U-bob", "Bob")
ADMIN = UserRef("test", "U-admin", "Admin", is_admin=True)


async def todays_post(service: QotdService) -> Post:
    """Post today's question (``lora_service`` asks the LoRA vs QLoRA item)."""
    post, _ = await service.daily.post_today(CHANNEL)
    assert post is not None and post.message is not None
    return post


def answer(post: Post, user: UserRef, text: str, n: int = 1) -> IncomingMessage:
    assert post.message is not None
    return IncomingMessage(
        channel=CHANNEL,
        user=user,
        text=text,
        message=MessageRef(CHANNEL, f"reply-{user.user_id}-{n}", post.message.thread_id),
        thread=post.message,
    )


def lora_item(knowledge: Knowledge) -> str:
    for item in knowledge.bank.answered:
        if "qlora" in item.question.lower() and "lora" in item.question.lower():
            return item.id
    raise AssertionError("the bank has no LoRA vs QLoRA item")


async def test_answer_in_thread_gets_a_reaction_and_private_key_point_feedback(
    lora_service: QotdService, platform: RecordingPlatform, knowledge: Knowledge
) -> None:
    service = lora_service
    post = await todays_post(service)
    await service.on_message(
        answer(
            post,
            ADA,
            "LoRA freezes the pretrained weights and trains small low-rank matrices added to "
            "the layers, so fine-tuning needs little memory. QLoRA additionally quantizes the "
            "frozen base model to 4-bit so even very large models fit on a single GPU.",
        )
    )
    [reaction] = platform.of("react")
    assert reaction.emoji == "white_check_mark"
    [feedback] = platform.of("private")
    assert feedback.user == ADA and feedback.reply is not None
    assert "Score:" in feedback.reply.text and "Covered" in feedback.reply.text
    [attempt] = service.store.attempts_for_post(post.id)
    assert attempt.score > 0 and attempt.user.user_id == ADA.user_id


async def test_chatter_in_the_thread_is_not_graded(
    service: QotdService, platform: RecordingPlatform
) -> None:
    post = await todays_post(service)
    for n, text in enumerate(["nice question!", "+1", "🔥🔥", "following"]):
        await service.on_message(answer(post, BOB, text, n))
    assert platform.of("private") == [] and platform.of("react") == []
    assert service.store.attempts_for_post(post.id) == []


async def test_pasted_reference_answer_is_flagged_and_earns_nothing(
    lora_service: QotdService, platform: RecordingPlatform, knowledge: Knowledge
) -> None:
    service = lora_service
    post = await todays_post(service)
    item = knowledge.bank.by_id[post.item_id]
    await service.on_message(answer(post, BOB, item.answer))
    [feedback] = platform.of("private")
    assert feedback.reply is not None and "copied from the reference answer" in feedback.reply.text
    [attempt] = service.store.attempts_for_post(post.id)
    assert attempt.flagged and attempt.score == 0


async def test_huge_answer_is_graded_on_its_start_and_stored_whole(
    lora_service: QotdService, platform: RecordingPlatform, knowledge: Knowledge
) -> None:
    service = lora_service
    post = await todays_post(service)
    text = "LoRA trains low-rank adapter matrices while the base weights stay frozen. " * 1400
    assert len(text) > 100_000
    await service.on_message(answer(post, ADA, text))
    [feedback] = platform.of("private")
    assert feedback.reply is not None and "I graded the first 4,000" in feedback.reply.text
    [attempt] = service.store.attempts_for_post(post.id)
    assert len(attempt.text) == len(text.strip())


async def test_explain_in_a_dm_returns_the_lora_reference_answer(
    service: QotdService, platform: RecordingPlatform
) -> None:
    dm = IncomingMessage(CHANNEL, ADA, "explain lora", MessageRef(CHANNEL, "dm1"), is_direct=True)
    await service.on_message(dm)
    [reply] = platform.of("private")
    assert reply.reply is not None and "lora" in reply.reply.title.lower()


async def test_explain_off_topic_abstains_honestly_without_echoing_mentions(
    service: QotdService,
) -> None:
    reply = await service.on_text_command(
        CHANNEL, ADA, "/explain <!channel> @everyone best pizza dough recipe"
    )
    assert "I don't have a reference answer close to" in reply.text
    assert "nearest topics:" in reply.text
    assert "<!channel>" not in reply.text and "@everyone" not in reply.text


async def test_unknown_command_gets_help(service: QotdService) -> None:
    reply = await service.on_text_command(CHANNEL, ADA, "/frobnicate now")
    assert "Unknown command `/frobnicate`" in reply.text and "/help" in reply.text


async def test_settings_and_reveal_are_refused_to_members_and_allowed_to_admins(
    service: QotdService, platform: RecordingPlatform
) -> None:
    await todays_post(service)
    refused = await service.on_text_command(CHANNEL, BOB, "/schedule 10:00 Europe/Paris")
    assert "Only admins" in refused.text
    assert "Only admins" in (await service.on_text_command(CHANNEL, BOB, "/reveal")).text
    changed = await service.on_text_command(CHANNEL, ADMIN, "/schedule 10:00 Europe/Paris")
    assert "Schedule updated: 10:00 Europe/Paris" in changed.text
    assert "Revealed" in (await service.on_text_command(CHANNEL, ADMIN, "/reveal")).text
    assert len(platform.of("thread")) == 1
    again = await service.on_text_command(CHANNEL, ADMIN, "/reveal")
    assert "already revealed" in again.text and len(platform.of("thread")) == 1


async def test_bad_timezone_is_a_clear_message_and_changes_nothing(service: QotdService) -> None:
    reply = await service.on_text_command(CHANNEL, ADMIN, "/schedule tz=Mars/Base")
    assert "not an IANA timezone" in reply.text
    schedule = service.store.get_schedule(CHANNEL)
    assert schedule is not None and schedule.timezone == "UTC"


async def test_reveal_wrap_up_names_the_points_nobody_covered(
    lora_service: QotdService, platform: RecordingPlatform, clock: Clock, knowledge: Knowledge
) -> None:
    service = lora_service
    post = await todays_post(service)
    await service.on_message(answer(post, ADA, "QLoRA quantizes the base model to 4-bit."))
    clock.now += timedelta(hours=9)
    assert await service.run_reveals() == 1
    [reveal] = platform.of("thread")
    assert reveal.reply is not None
    assert "1 member answered" in reveal.reply.text
    assert "Key points nobody covered" in reveal.reply.text


async def test_stats_and_leaderboard_reflect_answers(
    lora_service: QotdService, knowledge: Knowledge
) -> None:
    service = lora_service
    post = await todays_post(service)
    await service.on_message(
        answer(post, ADA, "LoRA trains low-rank matrices; QLoRA adds 4-bit quantization.")
    )
    stats = await service.on_text_command(CHANNEL, ADA, "/stats")
    assert "1 answered" in stats.text and "Streak: 1" in stats.text
    board = await service.on_text_command(CHANNEL, ADA, "/leaderboard week")
    assert "Ada" in board.text


async def test_read_only_commands_do_not_turn_a_channel_into_a_daily_one(
    service: QotdService,
) -> None:
    elsewhere = ChannelRef("test", "team", "random")
    for text in ("/stats", "/leaderboard", "/schedule", "/topics", "/help"):
        await service.on_text_command(elsewhere, BOB, text)
    assert service.store.get_schedule(elsewhere) is None
    assert elsewhere not in {channel for channel, _ in service.store.list_channels()}
