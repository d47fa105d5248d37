"""Small hand-made banks for tests of plumbing (selection, posting, reveals)."""

from __future__ import annotations

from bot.core.model import Difficulty, Item


def make_item(
    item_id: str, topic: str, *, prompt: bool = False, difficulty: str = "medium"
) -> Item:
    """An item whose question, answer and key points are derived from its id."""
    return Item(
        id=item_id,
        question=f"What is {item_id.replace('-', ' ')}?",
        answer="" if prompt else f"{item_id} is explained here. It has three key ideas.",
        key_points=()
        if prompt
        else (f"{item_id} idea one", f"{item_id} idea two", f"{item_id} idea three"),
        topic=topic,
        difficulty=Difficulty(difficulty),
        source="test.txt",
    )


def small_bank(count: int = 12) -> list[Item]:
    """``count`` answered items spread over three topics."""
    topics = ["quantization", "decoding", "fine-tuning"]
    return [make_item(f"item-{i:02d}", topics[i % 3]) for i in range(count)]
