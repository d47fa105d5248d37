"""The importer's parsers on each seed page shape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.content.chrome import is_chrome, is_diagram_label
from bot.content.parsers import (
    detect_parser,
    parse_categorised_prompts,
    parse_markdown_qa,
    parse_numbered_list,
    parse_post,
    parse_single_page,
    parse_source,
)

Source = Callable[[str], Path]


def test_each_seed_page_gets_its_parser(source: Source) -> None:
    expected = {
        "000": parse_single_page,
        "001": parse_numbered_list,
        "002": parse_categorised_prompts,
        "003": parse_markdown_qa,
        "004": parse_post,
    }
    for number, parser in expected.items():
        assert detect_parser(source(number).read_text(encoding="utf-8")) is parser


def test_single_page_keeps_the_repeated_answer_once_without_chrome(source: Source) -> None:
    [question] = parse_source(source("000"))
    assert question.question.startswith("Describe your approach to conducting ablation studies")
    assert question.level == "senior"
    assert question.answer.count("Identify Components for Ablation") == 1
    assert question.answer.count("Generalization Ability") == 1
    assert "For example, in a recent study" in question.answer
    for chrome in ("Explore", "FREE", "100% Actual", "Senior level question", "- Large Language"):
        assert chrome not in question.answer


def test_numbered_list_splits_questions_and_keeps_formulas(source: Source) -> None:
    questions = parse_source(source("001"))
    assert len(questions) == 50
    assert questions[3].question == "What distinguishes LoRA from QLoRA in fine-tuning LLMs?"
    assert questions[0].answer.splitlines()[1] == (
        "- Criticality: LLMs process numerical representations of tokens, not raw text."
    )
    softmax = questions[22]
    assert softmax.question == "How is the softmax function applied in attention mechanisms?"
    assert r"$\(softmax(x_{i})=\frac{e^{x_{i}}}{\sum_{j}e^{x_{j}}}\)$" in softmax.answer
    assert "2. LLM Interview Questions" not in " ".join(q.question for q in questions)


def test_categorised_list_becomes_unanswered_questions_with_sections(source: Source) -> None:
    questions = parse_source(source("002"))
    assert len(questions) == 36
    assert all(q.answer == "" for q in questions)
    assert questions[0].question.startswith("What is a Large Language Model, and how does it")
    assert questions[0].section == "Fundamentals / Commonly Asked Questions"
    assert questions[-1].section == "Very Difficult / Open-Ended Questions"
    text = " ".join(q.question + q.section for q in questions)
    for chrome in ("min read", "Any doubt", "Chat", "learning assistant"):
        assert chrome not in text


def test_markdown_document_reads_sections_questions_and_answers(source: Source) -> None:
    questions = parse_source(source("003"))
    assert len(questions) == 44
    sections = {q.section for q in questions}
    assert sections == {"Pretraining", "Quantization", "Preference Tuning", "Finetuning"}
    why = next(q for q in questions if q.question == "Why to Quantize LLMs?")
    assert why.answer.startswith("Quantizing LLMs means making them use less computer power")
    assert "**Smaller Size:**" in why.answer
    choose = next(q for q in questions if q.question.startswith("How do you choose the right"))
    assert choose.section == "Finetuning"
    frameworks = questions[-1]
    assert frameworks.question == "What are the frameworks or libraries used for LLM finetuning?"
    assert "`Axolotl`" in frameworks.answer
    for question in questions:
        assert "**Answer:**" not in question.answer
        assert "\n---" not in question.answer and question.answer


def test_post_separates_the_unanswered_list_and_drops_chrome(source: Source) -> None:
    questions = parse_source(source("004"))
    unanswered = [q for q in questions if not q.answer]
    answered = [q for q in questions if q.answer]
    assert len(unanswered) == 10 and len(answered) == 10
    assert unanswered[2].question == (
        'Explain the concept of "few-shot learning" in LLMs and its advantages.'
    )
    positional = answered[0]
    assert positional.question.startswith("What are positional encodings")
    assert "$$PE_{(pos,2i)}=sin(pos/10000^{2i/d_{model}})$$" in positional.answer
    nsp = answered[4]
    assert "Feed Two" not in nsp.answer and "Update Model" not in nsp.answer
    assert "50% of the time, the second sentence is a random sentence" in nsp.answer
    overfitting = answered[7]
    assert "\nregularization\n" not in overfitting.answer
    assert "- **Regularization (L1, L2):**" in overfitting.answer
    text = "\n".join(q.answer for q in answered)
    for chrome in ("Bhavishya Pandit", "Follow for more", "LIKE", "SHARE", "Trillions of"):
        assert chrome not in text


def test_chrome_detector_flags_page_furniture_only() -> None:
    assert is_chrome("Create Large Language Model (LLM) interview for FREE!")
    assert is_chrome("Follow for more AI/ML posts")
    assert not is_chrome("Explores multiple sequences simultaneously.")
    assert is_diagram_label("better accuracy")
    assert not is_diagram_label("Formula:")
    assert not is_diagram_label("LoRA (Low-Rank Adaptation)")
