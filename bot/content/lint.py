"""Check the bank for schema errors, duplicates, thin key points, leftover page chrome, raw
LaTeX, file names in member text and difficulties the answers are too short for."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.authored import read_authored
from bot.content.bank import read_bank
from bot.content.chrome import chrome_lines
from bot.content.formulas import raw_latex
from bot.content.keypoints import MAX_POINTS, MIN_POINTS
from bot.content.merge import embed
from bot.content.schema import Entry, Problem
from bot.content.tagging import DEPTH_FLOORS, answer_depth, fit_difficulty
from bot.core.ports import Embedder

__all__ = ["NEAR_DUPLICATE_THRESHOLD", "Problem", "lint_bank"]

NEAR_DUPLICATE_THRESHOLD = 0.85
"""Question cosine similarity at which two items are reported as the same question.

Above the importer's merge threshold (0.80), so only pairs a person split on purpose and
that are very close get reported; the closest distinct pair in the shipped bank scores 0.79.
"""


FILE_NAME = re.compile(
    r"\b\d{3}_[0-9a-f]{16}\b|\b[\w-]+\.(?:txt|ya?ml|md|html?|pdf|json|csv|docx?)\b",
    re.IGNORECASE,
)
"""An internal file name (a source page's ``004_e5605f0827c389a1.txt`` or any data file)."""


def _error(entry: Entry, key: str, message: str) -> Problem:
    return Problem(str(entry.file), entry.lines.get(key, entry.line), "error", message)


def _member_text(entry: Entry) -> list[tuple[str, int, str]]:
    """(field, line, text) of every line a member can read: questions, answers, key points."""
    item, found = entry.item, []
    for key, texts in (
        ("question", (item.question,)),
        ("answer", (item.answer,)),
        ("key_points", item.key_points),
        ("alternate_questions", item.alternate_questions),
        ("alternate_answers", item.alternate_answers),
    ):
        start = entry.lines.get(key, entry.line)
        for text in texts:
            block = "\n" in text  # a `|` block starts on the line after its key
            for offset, line in enumerate(text.splitlines() or [""]):
                found.append((key, start + (offset + 1) * block, line))
    return found


def _check_text(entry: Entry) -> list[Problem]:
    """Raw LaTeX and file names in what members read."""
    problems = []
    for key, line, text in _member_text(entry):
        for formula in raw_latex(text):
            problems.append(
                Problem(
                    str(entry.file),
                    line,
                    "error",
                    f"raw LaTeX in {key}: {formula[:60]!r}; write it as Unicode text "
                    "(`qotd content import` renders formulas)",
                )
            )
        for name in FILE_NAME.findall(text):
            problems.append(
                Problem(
                    str(entry.file),
                    line,
                    "error",
                    f"internal file name {name!r} in {key}, which members read; remove it "
                    "(say “another author” instead)",
                )
            )
    return problems


def _check_depth(entry: Entry) -> list[Problem]:
    """A medium or hard rating on an answer too short to deserve it."""
    item = entry.item
    fitting = fit_difficulty(item.difficulty, item.answer)
    if fitting == item.difficulty:
        return []
    sentences, words = answer_depth(item.answer)
    need_sentences, need_words, long_words = DEPTH_FLOORS[item.difficulty]
    return [
        _error(
            entry,
            "difficulty",
            f"{item.id!r} is rated {item.difficulty.value} but its answer has {sentences} "
            f"sentence(s) and {words} words ({item.difficulty.value} needs {need_sentences} "
            f"sentences and {need_words} words, or {long_words} words); deepen the answer or "
            f"rate it {fitting.value}",
        )
    ]


def check_entry(entry: Entry, ids: set[str]) -> list[Problem]:
    """The lint problems of one entry (``ids``: every item id, for its ``related``)."""
    item, problems = entry.item, []
    if entry.file.stem != item.topic:
        problems.append(
            _error(
                entry,
                "topic",
                f"topic {item.topic!r} is filed in {entry.file.name}; "
                f"move the item to {item.topic}.yaml",
            )
        )
    if item.is_prompt and not item.related:
        problems.append(
            _error(
                entry,
                "answer",
                f"{item.id!r} has an empty answer; write one, or list "
                "`related` ids to make it a discussion prompt",
            )
        )
    if not item.is_prompt and not MIN_POINTS <= len(item.key_points) <= MAX_POINTS:
        problems.append(
            _error(
                entry,
                "key_points",
                f"{item.id!r} has {len(item.key_points)} key points; "
                f"answered items need {MIN_POINTS}-{MAX_POINTS}",
            )
        )
    for key, text in (
        ("question", item.question),
        ("answer", item.answer),
        ("key_points", "\n".join(item.key_points)),
    ):
        for offset, line in chrome_lines(text):
            problems.append(
                Problem(
                    str(entry.file),
                    entry.lines.get(key, entry.line) + (offset + 1) * (key == "answer"),
                    "error",
                    f"page chrome left in {key}: {line!r}; delete it",
                )
            )
    for related in item.related:
        if related not in ids:
            problems.append(_error(entry, "related", f"related id {related!r} does not exist"))
    return problems + _check_text(entry) + _check_depth(entry)


def _near_duplicates(entries: list[Entry], embedder: Embedder, threshold: float) -> list[Problem]:
    vectors = embed(embedder, [entry.item.question for entry in entries])
    scores = vectors @ vectors.T
    problems = []
    for i, entry in enumerate(entries):
        for j in range(i):
            if float(scores[i, j]) >= threshold:
                other = entries[j]
                problems.append(
                    _error(
                        entry,
                        "question",
                        f"{entry.item.id!r} is a near-duplicate of "
                        f"{other.item.id!r} ({other.file.name}:{other.lines.get('question')},"
                        f" similarity {float(scores[i, j]):.2f}); merge them with "
                        "alternate_questions or reword one",
                    )
                )
    return problems


def lint_authored(directory: Path, bank_ids: set[str]) -> list[Problem]:
    """Problems of the authored files (schema, ``source: qotd``, text, depth, related ids)."""
    entries, problems = read_authored(directory)
    ids = bank_ids | {entry.item.id for entry in entries}
    for entry in entries:
        problems += [p for p in check_entry(entry, ids) if "move the item to" not in p.message]
    return problems


def lint_bank(
    directory: Path,
    embedder: Embedder | None = None,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    authored: Path | None = None,
) -> list[Problem]:
    """Every problem in the bank (and in the ``authored`` files, when given); near-duplicates
    are checked only when an embedder is given."""
    entries, problems = read_bank(directory)
    ids = {entry.item.id for entry in entries}
    for entry in entries:
        problems += check_entry(entry, ids)
    if authored is not None:
        problems += lint_authored(authored, ids)
    if embedder is not None and entries:
        problems += _near_duplicates(entries, embedder, threshold)
    return sorted(problems, key=lambda p: (p.file, p.line, p.message))
