"""Prometheus metrics of one qotd process: posts made, attempts graded, explain latency, errors."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "PrometheusMetrics"]


class PrometheusMetrics:
    """Implements the core's Metrics port on its own registry (so tests can make several)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.posts = Counter(
            "qotd_posts", "Daily questions posted by this instance.", registry=self.registry
        )
        self.attempts = Counter(
            "qotd_attempts_graded", "Answer attempts graded and stored.", registry=self.registry
        )
        self.explain = Histogram(
            "qotd_explain_seconds",
            "Time to answer one explain request.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter("qotd_errors", "Failures by kind.", ["kind"], registry=self.registry)

    def post_made(self) -> None:
        """A daily question reached the platform."""
        self.posts.inc()

    def attempt_graded(self) -> None:
        """An answer attempt was graded and stored."""
        self.attempts.inc()

    def explain_seconds(self, seconds: float) -> None:
        """How long one explain request took."""
        self.explain.observe(seconds)

    def error(self, kind: str) -> None:
        """Something failed."""
        self.errors.labels(kind=kind).inc()

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
