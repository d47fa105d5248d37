"""A per-user limit on the expensive requests (explain, grading): a sliding one-minute window."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.model import Reply, UserRef

WINDOW = timedelta(minutes=1)


class RateLimiter:
    """Counts each member's requests in the last minute; ``per_minute`` 0 turns the limit off.

    The count lives in this process: with N instances a member spread over all of them could
    reach N times the limit, which is still a bound.
    """

    def __init__(self, per_minute: int, clock: Callable[[], datetime]) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[tuple[str, str], deque[datetime]] = {}

    def wait_seconds(self, user: UserRef) -> float:
        """0 and the request is counted if the member may go ahead, else seconds until they may."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        if len(self._seen) > 10_000:
            self._forget_idle(now)
        times = self._seen.setdefault((user.platform, user.user_id), deque())
        while times and times[0] <= now - WINDOW:
            times.popleft()
        if len(times) >= self.per_minute:
            return max(1.0, (times[0] + WINDOW - now).total_seconds())
        times.append(now)
        return 0.0

    def _forget_idle(self, now: datetime) -> None:
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - WINDOW]:
            del self._seen[key]


def slow_down(wait: float, per_minute: int) -> Reply:
    """The polite answer to a member over the limit."""
    return Reply(
        private=True,
        text=f"You're going faster than I can keep up: I answer up to {per_minute} explain or "
        f"grading requests a minute per person. Please try again in {math.ceil(wait)} seconds.",
    )
