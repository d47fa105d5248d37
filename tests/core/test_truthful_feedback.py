"""What a member sees for each kind of answer: covered, contradicted, missed, nothing for
nothing, and points only for the first graded answer (real model, shipped bank)."""

from __future__ import annotations

from bot.app import Knowledge
from bot.core.service import QotdService
from tests.core.conftest import CHANNEL
from tests.core.test_service import ADA, ADMIN, BOB, answer, lora_item, todays_post
from tests.fakes.platform import RecordingPlatform

SWAPPED = (
    "LoRA quantizes the base model to 4 bits and trains it fully, while QLoRA keeps the base "
    "model in full precision and adds no adapters."
)
RIGHT = (
    "LoRA freezes the pretrained weights and trains small low-rank matrices added to the "
    "layers, so fine-tuning needs little memory. QLoRA additionally quantizes the frozen base "
    "model to 4-bit so even very large models fit on a single GPU."
)


async def feedback_for(service: QotdService, platform: RecordingPlatform, text: str) -> str:
    post = await todays_post(service)
    await service.on_message(answer(post, ADA, text))
    reply = platform.of("private")[-1].reply
    assert reply is not None
    return reply.text


async def test_swapped_roles_are_shown_as_contradicted_with_the_members_words(
    lora_service: QotdService, platform: RecordingPlatform, knowledge: Knowledge
) -> None:
    service = lora_service
    lora_item(knowledge)
    text = await feedback_for(service, platform, SWAPPED)
    assert "**Contradicted**" in text
    assert "❌ You said “LoRA quantizes the base model to 4 bits" in text
    assert "the reference says: QLoRA extends LoRA by quantizing the base model" in text
    assert "🎉" not in text and "every key point" not in text


async def test_denied_key_point_is_contradicted_and_scores_nothing(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(
        service, platform, "QLoRA doesn't involve any quantization, it's LoRA with a new optimizer."
    )
    assert "❌" in text and "Score: 0/100" in text


async def test_wrong_number_is_contradicted(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(
        service, platform, "QLoRA quantizes the frozen base model to 8 bits before adding adapters."
    )
    assert "❌ You said “QLoRA quantizes the frozen base model to 8 bits" in text


async def test_right_answer_is_credited_with_the_members_own_sentence(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(service, platform, RIGHT)
    assert "✅ LoRA adds trainable low-rank matrices" in text
    assert "(you said “LoRA freezes the pretrained weights" in text
    assert "❌" not in text and "**Missed**" in text  # NormalFloat, paged optimizers: not said


async def test_question_echoed_back_earns_nothing_and_says_why(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    post = await todays_post(service)
    item = service.daily.item(post.item_id)
    assert item is not None
    await service.on_message(answer(post, BOB, item.question))
    reply = platform.of("private")[-1].reply
    assert reply is not None and "repeats the question" in reply.text
    [attempt] = service.store.attempts_for_post(post.id)
    assert attempt.flagged and attempt.score == 0


async def test_bare_list_of_terms_earns_nothing(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(
        service, platform, "LoRA, QLoRA, low-rank, adapters, 4-bit, quantization, memory"
    )
    assert "list of terms without a claim" in text


async def test_only_the_first_graded_answer_counts_for_points(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    post = await todays_post(service)
    await service.on_message(answer(post, ADA, "LoRA trains small low-rank matrices.", 1))
    first = service.store.attempts_for_post(post.id)[0].score
    await service.on_message(answer(post, ADA, RIGHT, 2))
    second = platform.of("private")[-1].reply
    assert second is not None and "Not scored" in second.text
    stats = await service.on_text_command(CHANNEL, ADA, "/stats")
    assert f"1 answered, {first} points" in stats.text


async def test_reveal_names_the_threads_misconceptions(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    post = await todays_post(service)
    await service.on_message(answer(post, BOB, SWAPPED))
    await service.on_text_command(CHANNEL, ADMIN, "/reveal")
    [reveal] = platform.of("thread")
    assert reveal.reply is not None
    assert "Misconceptions to clear up" in reveal.reply.text
    assert (
        "QLoRA extends LoRA by quantizing the base model"
        in reveal.reply.text.split("Misconceptions")[1]
    )
    assert "👏" not in reveal.reply.text


async def test_reversed_direction_is_contradicted(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(
        service, platform, "LoRA saves compute but it needs much more memory than full fine-tuning."
    )
    assert "❌ You said “it needs much more memory than full fine-tuning.”" in text
    assert "the reference says: LoRA adapts a model efficiently with minimal memory" in text


async def test_question_asked_back_in_other_words_earns_nothing(
    lora_service: QotdService, platform: RecordingPlatform
) -> None:
    service = lora_service
    text = await feedback_for(
        service, platform, "So what distinguishes LoRA and QLoRA when you fine-tune an LLM?"
    )
    assert "repeats the question" in text
