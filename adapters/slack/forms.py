"""Core Forms as Slack modals: Block Kit view out, its submission back as values."""

from __future__ import annotations

import json
from typing import Any

from bot.core.model import Form, FormField

CALLBACK_ID = "qotd_form"
MAX_TITLE = 24
"""Slack's limit for a modal's title and buttons."""


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.choices:
        element = {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": c}, "value": c} for c in field.choices
            ],
        }
    else:
        element = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.multiline,
            "max_length": field.max_length,
        }
        if field.placeholder:
            element["placeholder"] = {"type": "plain_text", "text": field.placeholder[:150]}
    return {
        "type": "input",
        "block_id": field.name,
        "label": {"type": "plain_text", "text": field.label[:2000]},
        "element": element,
    }


def modal(form: Form, channel_id: str) -> dict[str, Any]:
    """The modal for ``form``; it remembers the channel and what the form is for."""
    metadata = {"channel": channel_id, "action": form.action, "value": form.value}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": form.title[:MAX_TITLE]},
        "submit": {"type": "plain_text", "text": form.submit[:MAX_TITLE]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [_input(field) for field in form.fields],
    }


def submitted(view: dict[str, Any]) -> tuple[str, Form, dict[str, str]]:
    """(channel id, the form, its values) of a submitted modal."""
    metadata = json.loads(str(view.get("private_metadata") or "{}"))
    state = view.get("state", {}).get("values", {})
    values: dict[str, str] = {}
    for block, inputs in state.items():
        field = inputs.get("value", {})
        chosen = field.get("selected_option") or {}
        values[block] = str(field.get("value") or chosen.get("value") or "")
    fields = tuple(FormField(name, name) for name in values)
    form = Form(str(metadata.get("action", "")), str(metadata.get("value", "")), "", fields)
    return str(metadata.get("channel", "")), form, values
