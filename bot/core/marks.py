"""A thread pool of its own for the writes that record a send as done.

A process killed between a platform's OK and the record that the send went out repeats the
send when its work is taken up again (a feedback message, an interaction's answer). Queued
behind a burst's database work on the default executor, that record can wait a second or more;
on these threads it is written at once, which keeps the window to the write itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

MARKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="qotd-marks")


async def on_marks_thread(write: Callable[..., T], *args: object) -> T:
    """Run ``write(*args)`` on the marks pool (not the default executor) and return its value."""
    return await asyncio.get_running_loop().run_in_executor(MARKS, write, *args)
