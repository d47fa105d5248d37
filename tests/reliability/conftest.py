"""Fixtures of the reliability tests: databases, and qotd processes that can be killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """One ``tests.reliability.botproc`` child; ``ready`` holds what it printed when up."""

    def __init__(self, process: asyncio.subprocess.Process, ready: str) -> None:
        self.process = process
        self.ready = ready

    @property
    def pid(self) -> int:
        return self.process.pid

    def go(self) -> None:
        """Release a poster waiting for the start signal."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"GO\n")

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind runs in the child."""
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGKILL)


Spawn = Callable[..., "asyncio.Future[BotProcess]"]


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """Start bot processes (``await spawn("post", url, …)``); all are killed at the end.

    Their logs go to ``bot-N.log`` in the test's tmp_path.
    """
    started: list[BotProcess] = []

    async def start(*args: str) -> BotProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.reliability.botproc",
            *args,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=(tmp_path / f"bot-{len(started)}.log").open("ab"),
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.startswith(b"READY"), f"bot process did not start: {line!r}"
        bot = BotProcess(process, line.decode().strip())
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.kill()
        await bot.process.wait()
