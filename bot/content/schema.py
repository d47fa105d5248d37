"""Read bank YAML files into items, reporting every schema problem with its file and line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.model import TOPICS, Difficulty, Item

REQUIRED_KEYS = ("id", "question", "answer", "key_points", "topic", "difficulty", "source")
LIST_KEYS = (
    "key_points",
    "alternate_questions",
    "alternate_answers",
    "alternate_sources",
    "related",
)
KNOWN_KEYS = frozenset(REQUIRED_KEYS + LIST_KEYS)
_STR = "tag:yaml.org,2002:str"


class ContentError(ValueError):
    """The bank cannot be loaded; the message lists each problem with file, line and fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"The question bank has {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a bank file, at a 1-based line."""

    file: str
    line: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A validated item with where it was written (``lines`` maps each key to its line)."""

    item: Item
    file: Path
    line: int
    lines: Mapping[str, int] = field(default_factory=dict)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def read_entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    """Parse one bank file; entries are returned only for items without problems."""
    name = str(path)

    def problem(line: int, message: str) -> Problem:
        return Problem(name, line, "error", message)

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return [], [problem(line, f"YAML syntax error: {exc.problem}; fix the indentation/quoting")]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [problem(1, f"cannot read the file: {exc}")]
    except RecursionError:
        return [], [problem(1, "the YAML is nested too deeply to be a bank file; items are flat")]
    if root is None:
        return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [problem(_line(root), "the file must be a YAML list of items (`- id: ...`)")]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for node in root.value:
        entry, found = _read_item(node, path)
        problems += found
        if entry:
            entries.append(entry)
    return entries, problems


def _read_item(node: yaml.Node, path: Path) -> tuple[Entry | None, list[Problem]]:
    def report(line: int, message: str) -> Problem:
        return Problem(str(path), line, "error", message)

    if not isinstance(node, yaml.MappingNode):
        return None, [
            report(_line(node), "each item must be a mapping with id, question, answer ...")
        ]
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines[key] = _line(key_node)
        if key not in KNOWN_KEYS:
            allowed = ", ".join(sorted(KNOWN_KEYS))
            problems.append(
                report(_line(key_node), f"unknown key {key!r}; allowed keys: {allowed}")
            )
        elif key in LIST_KEYS:
            strings = isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(v, yaml.ScalarNode) for v in value_node.value
            )
            if not strings:
                problems.append(report(_line(value_node), f"{key!r} must be a list of strings"))
            else:
                values[key] = tuple(str(v.value) for v in value_node.value)
        elif not isinstance(value_node, yaml.ScalarNode) or (
            value_node.tag != _STR and key in ("id", "topic", "difficulty")
        ):
            problems.append(report(_line(value_node), f"{key!r} must be a single string"))
        else:
            values[key] = str(value_node.value)
    item_line = _line(node)
    for key in REQUIRED_KEYS:
        if key not in lines:
            problems.append(report(item_line, f"item is missing the required key {key!r}"))
    topic, difficulty = values.get("topic"), values.get("difficulty")
    if isinstance(topic, str) and topic not in TOPICS:
        problems.append(
            report(lines["topic"], f"unknown topic {topic!r}; use one of: {', '.join(TOPICS)}")
        )
    if isinstance(difficulty, str) and difficulty not in {d.value for d in Difficulty}:
        problems.append(report(lines["difficulty"], "difficulty must be easy, medium or hard"))
    if isinstance(values.get("id"), str) and not str(values["id"]).strip():
        problems.append(report(lines["id"], "id must not be empty"))
    if problems:
        return None, problems
    fields = {key: value for key, value in values.items() if key != "difficulty"}
    item = Item(**fields, difficulty=Difficulty(str(values["difficulty"])))  # type: ignore[arg-type]
    return Entry(item, path, item_line, lines), []
