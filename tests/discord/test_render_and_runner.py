"""Pure translation pieces: embeds within Discord's limits, reactions, and token checks."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from adapters.discord import render
from adapters.discord.refs import channel_ref, message_target
from adapters.discord.runner import validate_token
from bot.core.model import Field, Link, MessageRef, Reply


def test_long_answer_is_split_within_discord_embed_limits() -> None:
    paragraph = "LoRA trains low-rank adapters while the base weights stay frozen. " * 20
    reply = Reply(
        title="T" * 300,
        text="\n\n".join([paragraph] * 30),
        fields=(Field("Topic", "x" * 2000),),
        context="footer",
    )
    messages = render.messages(reply)
    embeds = [e for m in messages for e in m]
    assert len(embeds) > 1
    assert all(len(e.description or "") <= 4096 for e in embeds)
    assert all(sum(len(e) for e in m) <= 6000 and len(m) <= 10 for m in messages)
    assert len(embeds[0].title or "") == 256 and len(embeds[0].fields[0].value or "") == 1024
    assert embeds[-1].footer.text == "footer"
    joined = "".join(e.description or "" for e in embeds).replace("\n", "").replace(" ", "")
    assert joined == reply.text.replace("\n", "").replace(" ", "")


def test_a_members_markdown_link_is_never_a_masked_link_in_any_part_of_an_embed() -> None:
    phish = "[Claim your prize](https://evil.example/phish)"
    reply = Reply(
        title=f"From {phish}",
        text=f"close to “{phish}” and x [Claim](https://evil.example",
        fields=(Field(f"Name {phish}", phish),),
        context=f"Reason: {phish}",
    )
    [embed] = [e for m in render.messages(reply) for e in m]
    shown = str(embed.to_dict())
    assert "](" not in shown and shown.count("[Claim your prize] (https://evil.example/phish)") == 5


def test_a_link_the_reply_declares_stays_a_masked_link() -> None:
    docs = Link("the docs", "https://docs.example/qotd")
    reply = Reply(text=f"Read {docs.markdown}; a member wrote [the docs](https://evil.example)")
    declared = Reply(text=reply.text, links=(docs,))
    [[plain]], [[linked]] = render.messages(reply), render.messages(declared)
    assert plain.description == (
        "Read [the docs] (https://docs.example/qotd); a member wrote [the docs] (https://evil.example)"
    )
    assert linked.description == (
        "Read [the docs](https://docs.example/qotd); a member wrote [the docs] (https://evil.example)"
    )


def test_neutral_reaction_names_map_to_unicode() -> None:
    assert [render.emoji(n) for n in ("white_check_mark", "warning", "speech_balloon")] == [
        "✅",
        "⚠️",
        "💬",
    ]


def test_a_reply_in_a_thread_is_reacted_to_in_the_thread_and_the_question_in_its_channel() -> None:
    channel = channel_ref(7, 8)
    assert message_target(MessageRef(channel, "11", "10")) == (10, 11)
    assert message_target(MessageRef(channel, "10", "10")) == (7, 10)


def _token(head: str) -> str:
    encoded = base64.urlsafe_b64encode(head.encode()).decode().rstrip("=")
    return f"{encoded}.GhIjKl.{'a' * 38}"


def test_a_well_formed_token_is_accepted_and_trimmed() -> None:
    token = _token("900000000000000001")
    assert validate_token(f"  {token}\n") == token


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (None, "DISCORD_TOKEN is not set"),
        ("   ", "DISCORD_TOKEN is not set"),
        ("Bot " + _token("900000000000000001"), "starts with 'Bot '"),
        ("a1b2c3d4e5f6", "doesn't look like a bot token"),
        (_token("not-an-id-at-all"), "doesn't look like a bot token"),
    ],
)
def test_a_missing_or_malformed_token_is_a_clear_error_without_the_token(
    raw: str | None, says: str
) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        validate_token(raw)
    assert "Developer Portal" in str(caught.value) or "Bot '" in str(caught.value)
    if raw and raw.strip():
        assert raw.strip() not in str(caught.value)


def test_qotd_run_discord_without_a_token_stops_before_loading_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from bot import cli

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("QOTD_DISCORD_TOKEN", raising=False)
    monkeypatch.setattr("adapters.discord.runner.load_knowledge", _must_not_load)
    result = CliRunner().invoke(cli.app, ["run", "discord"])
    assert isinstance(result.exception, cli.UserError)
    assert "DISCORD_TOKEN is not set" in str(result.exception)


def _must_not_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("the model was loaded before the token was checked")
