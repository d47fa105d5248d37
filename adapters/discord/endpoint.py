"""Where discord.py connects: the one place that touches its (private) REST base and gateway URL."""

from __future__ import annotations

import logging

import discord
import yarl

log = logging.getLogger(__name__)


def use_api_base(api_base: str) -> None:
    """Send every REST call (webhooks and interaction callbacks included) to ``api_base``."""
    discord.http.Route.BASE = api_base


async def use_gateway_of(http: discord.http.HTTPClient) -> None:
    """Connect to the gateway the configured API names in ``/gateway/bot`` (proxies, tests)."""
    _, url, _ = await http.get_bot_gateway()
    log.info("gateway from the API: %s", url)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
