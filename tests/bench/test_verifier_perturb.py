"""The verifier experiment's edits turn a true sentence into a false one, or decline."""

from __future__ import annotations

from benchmarks.verifier.perturb import negate, renumber, reverse, swap, touches


def test_negation_is_added_and_removed() -> None:
    assert negate("LoRA freezes the pretrained weights.") == (
        "LoRA does not freeze the pretrained weights."
    )
    assert negate("The reward model is not needed in DPO.") == "The reward model is needed in DPO."
    assert negate("It cannot see the future tokens.") == "It can see the future tokens."


def test_reversal_swap_and_number() -> None:
    assert reverse("Higher temperature makes sampling more random.") == (
        "Lower temperature makes sampling more random."
    )
    assert swap("QLoRA quantizes the base model while LoRA keeps it.") == (
        "LoRA quantizes the base model while QLoRA keeps it."
    )
    assert renumber("QLoRA stores weights in 4 bits.") == "QLoRA stores weights in 8 bits."
    assert renumber("It trains two small matrices.") == "It trains three small matrices."


def test_edits_decline_what_they_cannot_change() -> None:
    assert swap("Beam search keeps the best sequences.") is None
    assert renumber("Beam search keeps the best sequences.") is None


def test_an_edit_far_from_the_point_does_not_count() -> None:
    piece = "Ring attention (Liu and Abbeel, 2023) splits a long sequence into blocks"
    assert not touches(piece, piece.replace("2023", "4046"), "Ring attention spreads blocks")
    assert touches(piece, piece.replace("long", "short"), "a long sequence is split")
