"""The question bank on disk: YAML files per topic, written by the importer, loaded by the bot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.content.schema import ContentError, Entry, Problem, read_entries
from bot.core.model import TOPICS, Item

DEFAULT_BANK_DIR = Path(__file__).resolve().parents[2] / "content" / "bank"
"""The bank shipped with the repository (``content/bank``)."""


@dataclass(frozen=True, slots=True)
class Bank:
    """The loaded, validated question bank."""

    items: tuple[Item, ...]
    by_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({i.id: i for i in self.items}))

    def __len__(self) -> int:
        return len(self.items)

    @property
    def answered(self) -> tuple[Item, ...]:
        """Items with a reference answer (gradable)."""
        return tuple(item for item in self.items if not item.is_prompt)

    @property
    def prompts(self) -> tuple[Item, ...]:
        """Discussion prompts (no reference answer)."""
        return tuple(item for item in self.items if item.is_prompt)

    def topics(self) -> tuple[str, ...]:
        """Topics that have at least one item, in vocabulary order."""
        present = {item.topic for item in self.items}
        return tuple(topic for topic in TOPICS if topic in present)


def read_bank(directory: Path) -> tuple[list[Entry], list[Problem]]:
    """Every entry of the ``*.yaml`` files, with schema and duplicate-id errors."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(Problem(str(directory), 0, "error", "no *.yaml bank files found here"))
    for path in files:
        found, wrong = read_entries(path)
        entries += found
        problems += wrong
    problems += duplicate_ids(entries)
    return entries, problems


def duplicate_ids(entries: Sequence[Entry]) -> list[Problem]:
    """An error for each entry whose id an earlier entry already uses."""
    problems: list[Problem] = []
    first: dict[str, Entry] = {}
    for entry in entries:
        earlier = first.setdefault(entry.item.id, entry)
        if earlier is not entry:
            problems.append(
                Problem(
                    str(entry.file),
                    entry.lines.get("id", entry.line),
                    "error",
                    f"duplicate id {entry.item.id!r} (first used in {earlier.file}:"
                    f"{earlier.lines.get('id', earlier.line)}); give one of them a new id",
                )
            )
    return problems


def load_bank(directory: Path | None = None) -> Bank:
    """Load and validate every bank file; raises ContentError listing all problems, loads none."""
    entries, problems = read_bank(directory or DEFAULT_BANK_DIR)
    if problems:
        raise ContentError(problems)
    return Bank(tuple(entry.item for entry in entries))


class _BankDumper(yaml.SafeDumper):
    """Writes multi-line strings as ``|`` block scalars so the files stay hand-editable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _represent_str)


def item_to_dict(item: Item) -> dict[str, Any]:
    """The item as written in a bank file (empty optional lists are left out)."""
    data: dict[str, Any] = {
        "id": item.id,
        "question": item.question,
        "answer": item.answer,
        "key_points": list(item.key_points),
        "topic": item.topic,
        "difficulty": item.difficulty.value,
        "source": item.source,
    }
    optional: Sequence[tuple[str, Iterable[str]]] = (
        ("alternate_questions", item.alternate_questions),
        ("alternate_answers", item.alternate_answers),
        ("alternate_sources", item.alternate_sources),
        ("related", item.related),
    )
    data.update({key: list(values) for key, values in optional if values})
    return data


def dump_items(items: Sequence[Item]) -> str:
    """YAML text of a bank file."""
    return yaml.dump(
        [item_to_dict(item) for item in items],
        Dumper=_BankDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def write_bank(items: Sequence[Item], directory: Path) -> list[Path]:
    """Write one ``<topic>.yaml`` per topic (replacing old topic files); returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    by_topic = Counter(item.topic for item in items)
    written = []
    for topic in TOPICS:
        path = directory / f"{topic}.yaml"
        if by_topic[topic]:
            path.write_text(dump_items([i for i in items if i.topic == topic]), encoding="utf-8")
            written.append(path)
        elif path.exists():
            path.unlink()
    return written
