"""The operations endpoints: ``/healthz`` for orchestrators and ``/metrics`` for Prometheus."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.core.ports import Store
from bot.metrics import CONTENT_TYPE_LATEST, PrometheusMetrics

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 5.0


def make_app(store: Store, metrics: PrometheusMetrics) -> web.Application:
    """The aiohttp application serving both endpoints."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(asyncio.to_thread(store.ping), HEALTH_TIMEOUT_SECONDS)
        except Exception as exc:
            metrics.error("health_check")
            log.warning("health check failed: %s", type(exc).__name__)
            return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})

    async def scrape(_request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", scrape)
    return app


async def start_http(
    store: Store, metrics: PrometheusMetrics, port: int, host: str = "0.0.0.0"
) -> web.AppRunner:
    """Serve the endpoints in the running event loop; ``await runner.cleanup()`` stops them."""
    runner = web.AppRunner(make_app(store, metrics), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("serving /healthz and /metrics on %s:%d", host, port)
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port actually bound (when started on port 0)."""
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            port: int = server.sockets[0].getsockname()[1]
            return port
    raise RuntimeError("the HTTP service is not listening")
