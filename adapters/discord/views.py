"""Persistent buttons (custom ids ``qotd:<action>:<value>``) and the answer modal."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord

from bot.core.model import Button, Form

ANSWER = "answer"
"""Discord-only action: the "Check my answer" button, which opens the answer modal."""

STYLES = {
    ANSWER: discord.ButtonStyle.success,
    "explain_related": discord.ButtonStyle.primary,
}
MAX_ANSWER_CHARS = 4000


class Handlers(Protocol):
    """What the buttons and the modal call (the bridge to the core)."""

    async def on_button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        """A question button was clicked."""
        ...

    async def on_answer(self, interaction: discord.Interaction, thread_id: int, text: str) -> None:
        """An answer was submitted through the modal for the question whose thread is given."""
        ...

    async def on_form(
        self, interaction: discord.Interaction, form: Form, values: dict[str, str]
    ) -> None:
        """A core form (reject's reason, a suggestion) was submitted."""
        ...


def handlers(interaction: discord.Interaction) -> Handlers:
    """The bridge of the client that received the interaction."""
    return cast(Handlers, cast(Any, interaction.client).qotd)


class QotdButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"qotd:(?P<action>[a-z_]+):(?P<value>[A-Za-z0-9_.-]*)",
):
    """A question button; registered once in ``setup_hook`` so it works on posts of any age."""

    def __init__(self, action: str, value: str, label: str = "?") -> None:
        style = STYLES.get(action, discord.ButtonStyle.secondary)
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"qotd:{action}:{value}")
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> QotdButton:
        """Rebuild the button from a click on any message, however old."""
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the answer modal, or hand the click to the core."""
        if self.action == ANSWER and interaction.message is not None:
            await interaction.response.send_modal(AnswerModal(interaction.message.id))
            return
        await handlers(interaction).on_button(interaction, self.action, self.value)


class AnswerModal(discord.ui.Modal, title="Check my answer"):
    """A private way to answer (no Message Content intent needed)."""

    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Your answer",
        style=discord.TextStyle.paragraph,
        placeholder="Answer in your own words; I'll tell you privately which key points you hit.",
        max_length=MAX_ANSWER_CHARS,
    )

    def __init__(self, question_message_id: int) -> None:
        super().__init__(custom_id=f"qotd-answer:{question_message_id}")
        self.thread_id = question_message_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Grade the submitted answer as if it were posted in the question's thread."""
        await handlers(interaction).on_answer(interaction, self.thread_id, self.answer.value)


MODAL_TITLE = 45
MAX_INPUTS = 5


class FormModal(discord.ui.Modal):
    """A core Form as a Discord modal: one text input per field."""

    def __init__(self, form: Form) -> None:
        super().__init__(
            title=form.title[:MODAL_TITLE], custom_id=f"qotd-form:{form.action}:{form.value}"[:100]
        )
        self.form = form
        self.inputs: dict[str, discord.ui.TextInput[FormModal]] = {}
        for field in form.fields[:MAX_INPUTS]:
            box: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                label=field.label[:MODAL_TITLE],
                style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
                placeholder=field.placeholder[:100] or None,
                max_length=min(field.max_length, MAX_ANSWER_CHARS),
                custom_id=field.name,
            )
            self.inputs[field.name] = box
            self.add_item(box)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Hand the values to the core, as the command or button the form was for."""
        values = {name: box.value for name, box in self.inputs.items()}
        await handlers(interaction).on_form(interaction, self.form, values)


def question_view(buttons: Sequence[Button], token: str = "") -> discord.ui.View:
    """Persistent buttons: "Check my answer" (question posts only: ``token`` set), the core's.

    The answer button's value is the post's ``key_token`` (the modal does not need a value):
    components come back with every history fetch, so the token finds the post again.
    """
    view = discord.ui.View(timeout=None)
    if token:
        view.add_item(QotdButton(ANSWER, token, "Check my answer"))
    for button in buttons:
        view.add_item(QotdButton(button.action, button.value, button.label))
    return view


def key_token(key: str) -> str:
    """A question post's key as 25 characters at most (Discord's nonce limit) that also fit
    a button's custom id."""
    return "k" + hashlib.sha256(key.encode()).hexdigest()[:24]


def carries(message: discord.Message, token: str) -> bool:
    """Whether ``message`` has the answer button of the question post with ``token``."""
    wanted = f"qotd:{ANSWER}:{token}"
    return any(
        getattr(child, "custom_id", None) == wanted
        for row in message.components
        for child in getattr(row, "children", ())
    )
