"""Check the bank for schema errors, duplicates, thin key points and leftover page chrome."""

from __future__ import annotations

from pathlib import Path

from bot.content.bank import read_bank
from bot.content.chrome import chrome_lines
from bot.content.keypoints import MAX_POINTS, MIN_POINTS
from bot.content.merge import embed
from bot.content.schema import Entry, Problem
from bot.core.ports import Embedder

__all__ = ["NEAR_DUPLICATE_THRESHOLD", "Problem", "lint_bank"]

NEAR_DUPLICATE_THRESHOLD = 0.85
"""Question cosine similarity at which two items are reported as the same question.

Above the importer's merge threshold (0.80), so only pairs a person split on purpose and
that are very close get reported; the closest distinct pair in the shipped bank scores 0.79.
"""


def _error(entry: Entry, key: str, message: str) -> Problem:
    return Problem(str(entry.file), entry.lines.get(key, entry.line), "error", message)


def _check_entry(entry: Entry, ids: set[str]) -> list[Problem]:
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
    return problems


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


def lint_bank(
    directory: Path, embedder: Embedder | None = None, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[Problem]:
    """Every problem in the bank; near-duplicates are checked only when an embedder is given."""
    entries, problems = read_bank(directory)
    ids = {entry.item.id for entry in entries}
    for entry in entries:
        problems += _check_entry(entry, ids)
    if embedder is not None and entries:
        problems += _near_duplicates(entries, embedder, threshold)
    return sorted(problems, key=lambda p: (p.file, p.line, p.message))
