"""Who a Slack member is (name, workspace admin or owner): users.info, cached briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.model import UserRef

log = logging.getLogger(__name__)

PLATFORM = "slack"


class Members:
    """UserRefs for Slack user ids; admins and owners are marked ``is_admin``."""

    def __init__(
        self,
        client: AsyncWebClient,
        ttl_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, UserRef]] = {}

    async def get(self, user_id: str, fallback_name: str = "") -> UserRef:
        """The member, from the cache when looked up less than ``ttl_seconds`` ago."""
        now = self._clock()
        cached = self._cache.get(user_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            # Without users:read nobody is a workspace admin; QOTD_ADMINS still applies.
            log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
            return UserRef(PLATFORM, user_id, fallback_name)
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or fallback_name
        )
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        ref = UserRef(PLATFORM, user_id, str(name), is_admin=admin)
        self._cache[user_id] = (now, ref)
        return ref
