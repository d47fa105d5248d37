"""``qotd run console`` (and ``qotd chat``): the bot in the terminal, with today's question."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from adapters.console.platform import ConsolePlatform
from adapters.console.session import ConsoleSession, console_member
from bot.app import bootstrap, configure_logging, load_knowledge, sqlite_path
from bot.core.model import Scope
from bot.settings import Settings

PLATFORM = "console"


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(settings: Settings, http: bool = False, **_: Any) -> None:
    """Chat on stdin/stdout until /quit or end of input (``http`` is Slack-only, ignored)."""
    configure_logging(settings)
    _note("Loading the question bank and the embedding model…")
    # No progress bar: it would write over the prompt while the member types.
    knowledge = load_knowledge(settings, background=True, progress=False)
    platform = ConsolePlatform(sys.stdout)
    # A shared database's other platforms are not ours: scheduled work only in the console's.
    app = bootstrap(settings, platform, knowledge, scope=Scope(PLATFORM))
    path = sqlite_path(settings.database_url)
    _note(
        f"Model loaded in {knowledge.load_seconds:.1f}s: {len(knowledge.bank.items)} questions; "
        f"state in {path or 'the configured database'}."
    )
    if not getattr(knowledge.retriever, "ready", True):
        _note(
            "Preparing explain in the background (the first run embeds the bank: a few "
            "minutes); answering works meanwhile."
        )
    session = ConsoleSession(
        app.service, platform, console_member(settings.console_user), sys.stdout
    )

    async def main() -> None:
        await app.start()
        try:
            await session.run(sys.stdin)
        finally:
            await app.stop()

    try:
        asyncio.run(main())
    finally:
        app.close()
