"""What a reveal shows members: the answers, never the bank's internal file names."""

from __future__ import annotations

from bot.core import replies
from bot.core.model import Difficulty, Item

ITEM = Item(
    id="lora-qlora",
    question="What distinguishes LoRA from QLoRA?",
    answer="LoRA adds low-rank matrices. QLoRA also quantizes the base model.",
    key_points=("LoRA adds low-rank matrices", "QLoRA quantizes the base model", "Memory drops"),
    topic="fine-tuning",
    difficulty=Difficulty.EASY,
    source="001_87e323118508622c.txt",
    alternate_questions=("What is LoRA and QLoRA?",),
    alternate_answers=("LoRA and QLoRA optimise fine-tuning memory.",),
    alternate_sources=("004_e5605f0827c389a1.txt",),
)


def test_reveal_shows_another_authors_take_without_its_file_name() -> None:
    text = replies.reveal(ITEM, ()).text
    assert "**Another author's take**\nLoRA and QLoRA optimise fine-tuning memory." in text
    assert ".txt" not in text and "004_" not in text and "001_" not in text
