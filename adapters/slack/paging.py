"""Cursor-paged Slack Web API reads: one loop for every method that pages
(``conversations.history``, ``conversations.replies``, ``users.conversations``)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any


def next_cursor(page: Any) -> str | None:
    """The cursor of the page after ``page``, or None when it is the last (an empty
    ``next_cursor``, or ``has_more`` false where the method reports it)."""
    if page.get("has_more") is False:
        return None
    return (page.get("response_metadata") or {}).get("next_cursor") or None


async def pages(
    call: Callable[..., Awaitable[Any]], *, most: int | None = None, **query: Any
) -> AsyncIterator[Any]:
    """The pages ``call(**query)`` answers, first to last, at most ``most`` of them."""
    cursor: str | None = None
    for _ in range(most) if most is not None else itertools.count():
        page = await call(**query, cursor=cursor)
        yield page
        cursor = next_cursor(page)
        if cursor is None:
            return
