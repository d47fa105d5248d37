"""Slack's request signature checked for HTTP mode, without Bolt's two rough edges.

Bolt's own ``AsyncRequestVerification`` raises on a malformed ``X-Slack-Request-Timestamp``
(``int("abc")``: HTTP 500 and an ERROR traceback per request, no secret needed), and logs
the whole body of every badly signed request at INFO. This one answers both with a plain
401 and one log line without the body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.request_verification.async_request_verification import (
    AsyncRequestVerification,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
"""Unix seconds, as Slack sends them."""


class SignedRequests(AsyncRequestVerification):
    """Bolt's signature check (skipped in Socket Mode): a bad request is a 401, logged once."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Refuse a malformed timestamp before Bolt's check, which would raise on it."""
        if not self._can_skip(req.mode, req.body):
            timestamp = req.headers.get("x-slack-request-timestamp", [""])[0]
            if not _TIMESTAMP.fullmatch(timestamp):
                log.warning(
                    "refused a request without a valid X-Slack-Request-Timestamp (%r): "
                    "not from Slack",
                    timestamp[:20],
                )
                return self._build_error_response()
        return await super().async_process(req=req, resp=resp, next=next)

    def _debug_log_error(self, signature: Any, timestamp: Any, body: Any) -> None:
        log.warning(
            "refused a request whose signature does not match SLACK_SIGNING_SECRET or is older "
            "than 5 minutes (timestamp %s); if Slack's own requests are refused, copy the "
            "signing secret again and check the clock",
            timestamp,
        )
