"""Block Kit rendering: Markdown → mrkdwn, escaping, Slack's size limits."""

from __future__ import annotations

from adapters.slack import render
from bot.core.model import Button, Field, Link, Reply


def test_markdown_becomes_slack_mrkdwn() -> None:
    markdown = (
        "## Why it works\n**LoRA** trains *low-rank* ~~full~~ adapters.\n"
        "- see [the paper](https://arxiv.org/abs/2106.09685)\n* `W + BA` stays cheap"
    )
    paper = Link("the paper", "https://arxiv.org/abs/2106.09685")
    assert render.mrkdwn(markdown, (paper,)) == (
        "*Why it works*\n*LoRA* trains _low-rank_ ~full~ adapters.\n"
        "• see <https://arxiv.org/abs/2106.09685|the paper>\n• `W + BA` stays cheap"
    )


def test_code_blocks_keep_their_text_and_lose_the_language_tag() -> None:
    assert render.mrkdwn("```python\nx = a**2 < b\n```") == "```x = a**2 &lt; b\n```"


def test_mentions_and_broadcasts_in_text_are_shown_not_triggered() -> None:
    shown = render.mrkdwn("<!channel> <!here|here> <@U123> & @everyone look at a<b>c")
    assert "<" not in shown and ">" not in shown.replace("&gt;", "")
    assert "&lt;!channel&gt;" in shown and "&lt;@U123&gt;" in shown and "&amp;" in shown
    assert "@everyone" not in shown and "@\u2060everyone" in shown


def test_core_commands_are_written_as_the_slack_slash_command() -> None:
    [section] = [b for b in render.blocks(Reply(text="Try `/help` or /explain lora")) if b]
    assert section["text"]["text"] == "Try `/qotd help` or /qotd explain lora"


def test_long_answers_are_split_within_section_and_block_limits() -> None:
    paragraph = "Attention weighs every token against every other token. " * 40
    reply = Reply(
        title="T" * 400,
        text="\n\n".join([paragraph] * 80),
        fields=(Field("Topic", "architecture"),),
        buttons=(Button("reveal", "Reveal answer", "item-1"),),
    )
    messages = render.messages(reply)
    assert len(messages) > 1
    for blocks in messages:
        assert len(blocks) <= render.MAX_BLOCKS
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= render.MAX_SECTION_CHARS
    assert len(messages[0][0]["text"]["text"]) <= render.MAX_HEADER_CHARS
    assert messages[0][-1]["type"] == "actions"  # buttons stay on the question itself
    everything = " ".join(b["text"]["text"] for m in messages for b in m if b["type"] == "section")
    assert everything.split() == "\n\n".join([paragraph] * 80).split()  # nothing lost


def test_a_code_block_cut_in_two_still_renders_as_code() -> None:
    code = "```\n" + "\n".join(f"line {n}" for n in range(800)) + "\n```"
    pieces = render.chunks(render.mrkdwn(code))
    assert len(pieces) > 1
    assert all(p.count("```") % 2 == 0 for p in pieces)
    assert all(len(p) <= render.MAX_SECTION_CHARS for p in pieces)


def test_fallback_text_is_escaped_and_short() -> None:
    text = render.fallback(Reply(text="<!channel> " + "x" * 1000))
    assert text.startswith("&lt;!channel&gt;") and len(text) <= render.MAX_FALLBACK_CHARS + 12


def test_emphasis_may_wrap_inline_code_which_stays_untouched() -> None:
    shown = render.mrkdwn("**Scope `a**b<c`** is *needed*")
    assert shown == "*Scope `a**b&lt;c`* is _needed_"


PHISH = "[Claim your prize](https://evil.example/phish)"


def every_text(reply: Reply) -> str:
    return " ".join(str(b) for m in render.messages(reply) for b in m) + render.fallback(reply)


def test_a_members_markdown_link_shows_its_url_and_never_becomes_a_slack_link() -> None:
    reply = Reply(
        title=f"Suggestion from {PHISH}",
        text=f"I don't have a reference answer close to “{PHISH}”",
        fields=(Field("From", PHISH),),
        context=f"Reason: {PHISH}",
    )
    shown = every_text(reply)
    assert "<https://evil.example" not in shown and "](" not in shown
    assert shown.count("[Claim your prize] (https://evil.example/phish)") == 5  # and header


def test_a_link_split_across_spans_or_nested_is_broken_too() -> None:
    # A display name ending in "[Claim" followed by the bot's "](…)", and a link in a label.
    name, nested = "x [Claim your prize", "[[a](https://ok.example)](https://evil.example)"
    shown = render.mrkdwn(f"from {name}](https://evil.example) and {nested}")
    assert "<http" not in shown and "https://evil.example" in shown


def test_only_the_links_the_reply_declares_become_slack_links() -> None:
    docs = Link("the docs", "https://docs.example/qotd")
    copied = "[the docs](https://evil.example)"
    reply = Reply(text=f"Read {docs.markdown}. A member wrote {copied}.", links=(docs,))
    [section] = [b for b in render.blocks(reply) if b["type"] == "section"]
    assert section["text"]["text"] == (
        "Read <https://docs.example/qotd|the docs>. "
        "A member wrote [the docs] (https://evil.example)."
    )


def test_slack_escaping_is_decoded_once_on_input_and_applied_once_on_output() -> None:
    sent = "a &lt; b &amp;&amp; c &gt; d, see <https://x.example/a?b=1&amp;c=2|Claim> <!here>"
    typed = render.decode(sent)
    assert typed == "a < b && c > d, see Claim (https://x.example/a?b=1&c=2) <!here>"
    assert render.mrkdwn(typed) == (
        "a &lt; b &amp;&amp; c &gt; d, see Claim (https://x.example/a?b=1&amp;c=2) &lt;!here&gt;"
    )


def test_slacks_own_autolinks_decode_to_what_the_member_typed() -> None:
    sent = "<https://lora.example> <http://example.com|example.com> <mailto:a@b.io|a@b.io> <@U1>"
    assert render.decode(sent) == "https://lora.example example.com a@b.io <@U1>"
