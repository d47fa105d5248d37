"""The explain reply: a weak match reads "I don't have that; nearest: …"; Related is opt-in."""

from __future__ import annotations

from bot.core import replies
from bot.core.model import Difficulty, Item, Match


def _item(item_id: str, question: str, topic: str = "decoding") -> Item:
    return Item(
        item_id, question, f"{question} Answer.", ("a", "b", "c"), topic, Difficulty.EASY, "qotd"
    )


BEAM = _item("beam-search", "How does beam search work?")
TOPK = _item("top-k-top-p", "How do top-k and top-p sampling differ?")
RLHF = _item("rlhf-stages", "What are the stages of RLHF?", "preference-tuning")


def test_weak_match_is_not_presented_as_the_answer() -> None:
    reply = replies.explain(
        "speculative decoding",
        [Match(BEAM, 0.32), Match(RLHF, 0.2)],
        False,
        ["decoding"],
        weak=True,
        missing=["speculative"],
    )
    assert not reply.title
    assert reply.text.startswith(
        "I don't have a reference answer on “speculative decoding”: no answer I have mentions "
        "“speculative”."
    )
    assert "- How does beam search work? (decoding, 32% match; `explain beam-search`)" in reply.text
    assert BEAM.answer not in reply.text


def test_low_score_weak_match_says_how_weak() -> None:
    reply = replies.explain("scaling laws", [Match(BEAM, 0.27)], False, ["decoding"], weak=True)
    assert "my closest answer is only a 27% match" in reply.text


def test_related_lists_only_the_items_given() -> None:
    reply = replies.explain(
        "beam search",
        [Match(BEAM, 0.8), Match(RLHF, 0.3)],
        False,
        ["decoding"],
        related=[Match(TOPK, 0.44)],
    )
    assert reply.title == BEAM.question
    assert "**Related**\n- How do top-k and top-p sampling differ? (`top-k-top-p`)" in reply.text
    assert "RLHF" not in reply.text


def test_no_related_items_means_no_related_section() -> None:
    reply = replies.explain("beam search", [Match(BEAM, 0.8), Match(RLHF, 0.3)], False, [])
    assert "Related" not in reply.text
