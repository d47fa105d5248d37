"""Bounded retries of transient platform errors: exponential backoff with full jitter."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.core.ports import Metrics, PlatformError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
"""Errors worth retrying besides ``PlatformError(permanent=False)``."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a platform call is retried.

    The worst case (about ``base * 2**attempts``) must stay well under the claim timeout, or
    another instance could take a claim over while this one is still retrying.
    """

    attempts: int = 4
    base_seconds: float = 1.0
    cap_seconds: float = 30.0

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``failures``-th failure (at least what the platform asked)."""
        backoff = random.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** (failures - 1)))
        return min(self.cap_seconds, max(backoff, retry_after or 0.0))


DEFAULT_RETRY = RetryPolicy()


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep,
    metrics: Metrics,
    what: str,
    *,
    only_unsent: bool = False,
) -> T:
    """``call()``, retried on transient errors; permanent ones and the last failure propagate.

    With ``only_unsent`` (a send that must not be repeated and cannot be looked up) only
    failures the platform certainly did not act on are retried.
    """
    failures = 0
    while True:
        try:
            return await call()
        except PlatformError as exc:
            if exc.permanent:
                metrics.error("platform_permanent")
                raise
            retry_after, unsent = exc.retry_after, exc.unsent
            error: BaseException = exc
        except TRANSIENT_ERRORS as exc:
            retry_after, unsent, error = None, isinstance(exc, ConnectionRefusedError), exc
        failures += 1
        metrics.error("platform_transient")
        if only_unsent and not unsent:
            log.warning("%s failed, perhaps after reaching the platform: %s", what, error)
            raise error
        if failures >= policy.attempts:
            log.warning("%s failed %d times: %s", what, failures, error)
            raise error
        delay = policy.delay(failures, retry_after)
        log.info("%s failed (%s); retrying in %.1fs", what, error, delay)
        await sleep(delay)
