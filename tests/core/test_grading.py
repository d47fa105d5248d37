"""Grading with the real model: good > partial > wrong, chatter, copies, prompts."""

from __future__ import annotations

import pytest

from bot.core.grading import Grader
from bot.core.model import Item
from tests.core.conftest import load_data

pytestmark = pytest.mark.slow

ROWS = load_data("grading_dev.yaml")


@pytest.fixture(scope="module")
def by_id(bank_items: tuple[Item, ...]) -> dict[str, Item]:
    return {item.id: item for item in bank_items}


def test_grading_dev_set_covers_fifteen_items() -> None:
    assert len(ROWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=[str(r["item"]) for r in ROWS])
def test_good_beats_partial_beats_wrong(
    grader: Grader, by_id: dict[str, Item], row: dict[str, object]
) -> None:
    item = by_id[str(row["item"])]
    good, partial, wrong = (grader.grade(item, str(row[k])) for k in ("good", "partial", "wrong"))
    assert good.score > partial.score > wrong.score or (good.score > partial.score == 0)
    assert good.covered


@pytest.mark.parametrize(
    "text", ["nice question!", "+1", "thanks", "following", "🔥🔥🔥", "lol", ":tada:"]
)
def test_chatter_is_not_an_attempt(grader: Grader, by_id: dict[str, Item], text: str) -> None:
    item = by_id[str(ROWS[0]["item"])]
    grade = grader.grade(item, text)
    assert not grade.attempt
    assert grade.score == 0
    assert grade.covered == ()


def test_short_real_answer_is_an_attempt(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id[str(ROWS[0]["item"])]
    assert grader.is_attempt("low-rank adapter matrices on frozen weights", item)


def test_copy_of_reference_answer_is_flagged(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id[str(ROWS[0]["item"])]
    grade = grader.grade(item, item.answer, [("the reference answer", item.answer)])
    assert grade.copied_from == "the reference answer"
    assert grade.score == 0


def test_near_copy_of_earlier_answer_is_flagged(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id[str(ROWS[0]["item"])]
    earlier = str(ROWS[0]["good"])
    copy = earlier.replace("massively", "a lot").replace("LoRA", "Lora")
    grade = grader.grade(item, copy, [("@ana's answer", earlier)])
    assert grade.flagged
    assert grade.copied_from == "@ana's answer"


def test_markdown_answer_is_graded_like_plain(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id[str(ROWS[0]["item"])]
    plain = str(ROWS[0]["good"])
    bullets = "\n".join(f"- **{line.strip()}**" for line in plain.split(". ") if line.strip())
    assert abs(grader.grade(item, bullets).score - grader.grade(item, plain).score) <= 25


def test_discussion_prompt_is_not_scored(grader: Grader, bank_items: tuple[Item, ...]) -> None:
    prompts = [item for item in bank_items if not item.key_points]
    if not prompts:
        pytest.skip("the bank has no discussion prompt")
    grade = grader.grade(prompts[0], "I think it depends on the data and the budget.")
    assert grade.attempt and grade.score == 0
    assert grade.covered == () and grade.missed == ()


@pytest.mark.parametrize("row", ROWS, ids=[str(r["item"]) for r in ROWS])
def test_score_agrees_with_covered_and_missed_lists(
    grader: Grader, by_id: dict[str, Item], row: dict[str, object]
) -> None:
    item = by_id[str(row["item"])]
    for kind in ("good", "partial", "wrong"):
        grade = grader.grade(item, str(row[kind]))
        # a missed key point earns at most half of its share
        ceiling = 100 * (len(grade.covered) + 0.5 * len(grade.missed)) / len(item.key_points)
        assert grade.score <= round(ceiling)
        if grade.missed:
            assert grade.score < 100


def test_answer_describing_both_roles_rightly_is_not_a_swap(
    grader: Grader, by_id: dict[str, Item]
) -> None:
    item = by_id["encoders-decoders-differ-transformers"]
    grade = grader.grade(
        item,
        "The encoder reads the input and turns it into contextual hidden representations. The "
        "decoder is what produces the output: it attends to those encoder representations and "
        "also to the tokens it has already emitted so far.",
    )
    assert not grade.contradicted and grade.covered


def test_roles_exchanged_in_one_sentence_are_a_swap(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id["encoders-decoders-differ-transformers"]
    grade = grader.grade(
        item,
        "In translation it's the decoder that reads the source sentence, and the encoder "
        "writes out the target language.",
    )
    assert any(v.kind == "swap" for v in grade.verdicts)


def test_a_condition_on_the_cause_does_not_reverse_the_effect(
    grader: Grader, by_id: dict[str, Item]
) -> None:
    item = by_id["scale-model-number-parameters-dataset-size"]
    grade = grader.grade(item, "If the dataset is too small the model just memorizes it.")
    assert not grade.contradicted


def test_the_alternative_set_aside_is_not_denied(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id["llms-manage-out-of-vocabulary-oov-words"]
    grade = grader.grade(
        item,
        "Modern LLMs mostly avoid the OOV problem by tokenizing into subwords rather than "
        "whole words.",
    )
    assert not grade.contradicted


def test_a_wrong_count_of_matrices_is_contradicted(grader: Grader, by_id: dict[str, Item]) -> None:
    item = by_id["low-rank-adaptation-lora-work-key-hyperparameters"]
    grade = grader.grade(
        item,
        "LoRA factors the weight update into three small matrices, basically a truncated SVD "
        "with U, S and V that you train.",
    )
    assert any(v.kind == "number" for v in grade.verdicts)


def test_covered_point_quotes_the_clause_that_states_it(
    grader: Grader, by_id: dict[str, Item]
) -> None:
    item = by_id["role-temperature-play-controlling-llm-output"]
    answer = (
        "Temperature controls how random token selection is, while a low temperature favors "
        "the high-probability tokens and gives focused output."
    )
    grade = grader.grade(item, answer)
    quoted = [v.evidence for v in grade.verdicts if v.status == "covered"]
    assert quoted and all(len(q) < len(answer) for q in quoted)
