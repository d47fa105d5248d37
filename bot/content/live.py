"""The bank's rules for items that join the running bank (approved suggestions): built like
``qotd content approved`` builds them, checked like ``qotd content lint`` checks bank files."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.content.bank import dump_items
from bot.content.lint import check_entry
from bot.content.records import suggestion_item
from bot.content.schema import read_entries
from bot.core.model import Item, Suggestion


class BankRules:
    """``bot.core.ports.ItemRules`` with the bank's schema and lint rules."""

    def item_for(
        self, suggestion: Suggestion, taken: set[str], key_points: Sequence[str] = ()
    ) -> Item:
        """The suggestion as a bank item (key points extracted unless given)."""
        return suggestion_item(suggestion, taken, [p.strip() for p in key_points if p.strip()])

    def problems(self, item: Item, known: set[str]) -> list[str]:
        """The schema and lint errors of ``item`` written as a bank file (``<topic>.yaml``),
        without file and line: what an admin reads."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{item.topic}.yaml"
            path.write_text(dump_items([item]), encoding="utf-8")
            entries, found = read_entries(path)
        for entry in entries:
            found += check_entry(entry, known | {item.id})
        return [p.message for p in found if p.severity == "error"]
