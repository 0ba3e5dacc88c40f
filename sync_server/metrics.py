"""Prometheus metrics, one registry per app (never the process-global one)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.wire import BatchAck


class Metrics:
    """The server's counters and histograms, registered on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events = Counter(
            "scanstation_ingest_events",
            "Events received by the sync endpoint, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.batches = Counter(
            "scanstation_ingest_batches", "Batches answered with 200.", registry=self.registry
        )
        self.batch_seconds = Histogram(
            "scanstation_ingest_batch_seconds",
            "Time to read and store one batch.",
            registry=self.registry,
        )
        self.responses = Counter(
            "scanstation_http_responses",
            "HTTP responses by status class.",
            ["status"],
            registry=self.registry,
        )

    def record_ack(self, ack: BatchAck, seconds: float) -> None:
        """Count one answered batch."""
        self.batches.inc()
        self.events.labels("inserted").inc(ack.inserted)
        self.events.labels("duplicate").inc(ack.duplicates)
        self.events.labels("rejected").inc(len(ack.rejected))
        self.batch_seconds.observe(seconds)

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)


class ResponseCounter:
    """ASGI middleware counting responses by status class."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.responses.labels(f"{message['status'] // 100}xx").inc()
            await send(message)

        await self.app(scope, receive, counting)
