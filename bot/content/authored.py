"""Items the team writes itself (``content/authored/<topic>.yaml``, ``source: qotd``).

They join the generated bank on every ``qotd content import``: read and validated like bank
files (problems name file and line), then de-duplicated against the items imported from the
source pages.
"""

from __future__ import annotations

from pathlib import Path

from bot.content.bank import duplicate_ids
from bot.content.schema import Entry, Problem, read_entries

DEFAULT_AUTHORED_DIR = Path(__file__).resolve().parents[2] / "content" / "authored"
"""The team's own items, merged into content/bank by the importer."""
AUTHORED_SOURCE = "qotd"
"""The ``source`` of every authored item (in place of a file of content/sources)."""


def read_authored(directory: Path) -> tuple[list[Entry], list[Problem]]:
    """Every authored entry of the ``*.yaml`` files in ``directory`` (none if it is absent),
    with schema problems, a missing or wrong ``source`` and duplicate ids."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    if not directory.is_dir():
        return entries, problems
    for path in sorted(directory.glob("*.yaml")):
        found, wrong = read_entries(path)
        for problem in wrong:
            if "required key 'source'" in problem.message:
                problem = Problem(
                    problem.file,
                    problem.line,
                    problem.severity,
                    f"authored item has no `source`; add `source: {AUTHORED_SOURCE}`",
                )
            problems.append(problem)
        for entry in found:
            if entry.item.source != AUTHORED_SOURCE:
                problems.append(
                    Problem(
                        str(path),
                        entry.lines.get("source", entry.line),
                        "error",
                        f"authored item {entry.item.id!r} has source {entry.item.source!r}; "
                        f"authored items say `source: {AUTHORED_SOURCE}`",
                    )
                )
            else:
                entries.append(entry)
    problems += duplicate_ids(entries)
    return entries, problems
