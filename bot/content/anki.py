"""The bank as an Anki deck (genanki): question on the front, answer and key points on the back."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from pathlib import Path

import genanki

from bot.core.model import Item

DECK_NAME = "qotd: LLM / ML interview questions"


def _stable_id(name: str) -> int:
    """A fixed 31-bit id derived from a name, so re-exports update the same deck and model."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:7], 16) + (1 << 30)


MODEL = genanki.Model(
    _stable_id("qotd-model"),
    "qotd question",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "KeyPoints"}, {"name": "Topic"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "<div class=topic>{{Topic}}</div>{{Question}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<h4>Key points</h4>{{KeyPoints}}",
        }
    ],
    css=".card { font-family: sans-serif; font-size: 18px; } .topic { color: #888; }",
)


def write_deck(items: Sequence[Item], path: Path) -> int:
    """Write the answered items as an ``.apkg``; returns how many notes it holds."""
    deck = genanki.Deck(_stable_id(DECK_NAME), DECK_NAME)
    answered = [item for item in items if not item.is_prompt]
    for item in answered:
        points = "<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in item.key_points) + "</ul>"
        answer = html.escape(item.answer).replace("\n", "<br>")
        deck.add_note(
            genanki.Note(
                model=MODEL,
                fields=[html.escape(item.question), answer, points, item.topic],
                tags=[item.topic, item.difficulty.value],
                # The item id as guid: re-importing updates cards instead of duplicating them.
                guid=genanki.guid_for(item.id),
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return len(answered)
