"""An answer stored before its feedback went out (a crash, Slack down) gets the feedback
when the message is processed again, and a message answered once is never answered again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.model import ChannelRef, IncomingMessage, MessageRef, Reply, UserRef
from tests.fakes.platform import RecordingPlatform
from tests.reliability.fakes import ADA, CHANNEL, make_service, posted_question, thread_of


@dataclass
class FailingFeedback(RecordingPlatform):
    """The platform fails the next ``failures`` private replies (the process died there)."""

    failures: int = 0

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the process died before the feedback was sent")
        await super().reply_privately(channel, user, reply, thread)


def answer(thread: MessageRef, ts: str = "m-ada") -> IncomingMessage:
    return IncomingMessage(
        CHANNEL,
        ADA,
        "It is about attention, the key points and the weights.",
        MessageRef(CHANNEL, ts, thread.thread_id),
        thread=thread,
    )


async def test_answer_stored_without_feedback_gets_it_once_when_processed_again(
    tmp_path: Path,
) -> None:
    platform = FailingFeedback(failures=1)
    service, _ = make_service(tmp_path, platform=platform)
    post = await posted_question(service)
    thread = thread_of(post)

    with pytest.raises(ConnectionError):
        await service.on_message(answer(thread))
    assert platform.of("private") == []
    await service.on_message(answer(thread))  # the inbox processes the record again
    await service.on_message(answer(thread))  # and Slack retries it once more

    [stored] = service.store.attempts_for_post(post.id)
    assert stored.feedback_sent
    [feedback] = platform.of("private")
    assert feedback.reply is not None and f"Score: {stored.score}/100" in feedback.reply.text
    service.store.close()


async def test_feedback_missed_before_a_restart_is_sent_by_the_next_process(
    tmp_path: Path,
) -> None:
    first, _ = make_service(tmp_path)
    first.platform = FailingFeedback(failures=1)
    thread = thread_of(await posted_question(first))
    with pytest.raises(ConnectionError):
        await first.on_message(answer(thread))
    first.store.close()

    second, platform = make_service(tmp_path)
    await second.on_message(answer(thread))

    assert [s.user for s in platform.of("private")] == [ADA]
    assert [s.kind for s in platform.sent] == ["react", "private"]
    second.store.close()


async def test_answer_with_feedback_sent_is_not_answered_again(tmp_path: Path) -> None:
    service, platform = make_service(tmp_path)
    thread = thread_of(await posted_question(service))

    await service.on_message(answer(thread))
    await service.on_message(answer(thread))

    assert len(platform.of("private")) == 1
    service.store.close()
