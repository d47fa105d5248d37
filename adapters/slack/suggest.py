"""The `/qotd suggest` modal: Block Kit view out, its submission back as a core command."""

from __future__ import annotations

from typing import Any

from bot.core.model import TOPICS

CALLBACK_ID = "qotd_suggest"


def modal(channel_id: str) -> dict[str, Any]:
    """A modal asking for question, reference answer and topic; remembers the channel."""

    def text_input(block: str, label: str, multiline: bool) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": multiline},
        }

    topic = {
        "type": "input",
        "block_id": "topic",
        "label": {"type": "plain_text", "text": "Topic"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [{"text": {"type": "plain_text", "text": t}, "value": t} for t in TOPICS],
        },
    }
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": channel_id,
        "title": {"type": "plain_text", "text": "Suggest a question"},
        "submit": {"type": "plain_text", "text": "Send for review"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input("question", "Question", False),
            text_input("answer", "Reference answer", True),
            topic,
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[str, str]:
    """(channel id, ``question | answer | topic``) from a submitted modal."""
    values = view.get("state", {}).get("values", {})

    def value(block: str) -> str:
        field = values.get(block, {}).get("value", {})
        chosen = field.get("selected_option") or {}
        return str(field.get("value") or chosen.get("value") or "").replace("|", "/").strip()

    args = f"{value('question')} | {value('answer')} | {value('topic')}"
    return str(view.get("private_metadata") or ""), args
