"""The platforms ``qotd run`` knows, in one place: name → runner module, loaded on demand.

Adding a platform is its adapter package (``adapters/<name>/``, with a ``runner.run``) plus one
``PLATFORMS`` entry here; the CLI's choices, its help and the default platform follow from it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.settings import Settings


class Runner(Protocol):
    """``adapters.<name>.runner.run``: connect, serve until stopped, release everything.

    A missing or malformed token is a ``ValueError`` whose message says what to do.
    """

    def __call__(self, settings: Settings, http: bool = False) -> None:
        """Run the bot on this platform (``http``: serve HTTP endpoints, where that applies)."""
        ...


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform ``qotd run`` can start."""

    name: str
    module: str
    """The runner module (imported only when this platform runs: its SDK may be heavy)."""
    configured: Callable[[Settings], bool]
    """True when the settings hold this platform's token (``qotd run`` without a name)."""

    def runner(self) -> Runner:
        """The module's ``run``."""
        run: Runner = importlib.import_module(self.module).run
        return run


PLATFORMS: tuple[Platform, ...] = (
    Platform("slack", "adapters.slack.runner", lambda s: bool(s.slack_bot_token)),
    Platform("discord", "adapters.discord.runner", lambda s: bool(s.discord_token)),
    Platform("console", "adapters.console.runner", lambda s: True),
)
"""In the order ``qotd run`` picks a default: the first configured (the console always is)."""

BY_NAME = {platform.name: platform for platform in PLATFORMS}


def names() -> tuple[str, ...]:
    """Every platform name, console first (for messages and help)."""
    return ("console", *(p.name for p in PLATFORMS if p.name != "console"))


def spoken(words: tuple[str, ...] = ()) -> str:
    """``console, slack or discord``."""
    words = words or names()
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def default(settings: Settings) -> str:
    """The platform to run when none is named: the first one with a token, else console."""
    return next(p.name for p in PLATFORMS if p.configured(settings))
