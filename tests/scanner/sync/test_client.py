from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from scanner.queue import Outbox
from scanner.sync import (
    Backoff,
    BatchRefused,
    DeviceRevoked,
    RetryLater,
    SyncClient,
    SyncLoop,
    device_clock,
)
from tests.scanner.drivers.driver_harness import eventually
from tests.scanner.queue.test_store import draft

Handler = Callable[[httpx.Request], httpx.Response]


def ack(
    hwm: int, inserted: int = 0, rejected: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "hwm": hwm,
        "inserted": inserted,
        "duplicates": 0,
        "rejected": rejected or [],
        "server_time": datetime.now(UTC).isoformat(),
    }


def make(outbox: Outbox, handler: Handler) -> tuple[SyncClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = SyncClient(
        http, "http://server/", "tok", "dev-1", outbox.stream_id, device_clock("boot-1")
    )
    return client, http


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    yield box
    box.close()


async def test_client_posts_batch_with_fresh_clock_and_token(outbox):
    outbox.append([draft("A"), draft("B")])
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/sync/batches"
        assert request.headers["Authorization"] == "Bearer tok"
        seen.append(json.loads(request.content))
        return httpx.Response(500, json={"detail": "boom"})

    client, http = make(outbox, handler)
    async with http:
        batch = outbox.next_batch()
        assert batch is not None
        for _ in range(2):
            with pytest.raises(RetryLater, match="500"):
                await client.push(batch)
    first, second = seen
    assert first["batch_id"] == second["batch_id"] == batch.batch_id
    assert first["events"] == second["events"]
    assert [e["seq"] for e in first["events"]] == [1, 2]
    assert first["stream_id"] == outbox.stream_id and first["device_id"] == "dev-1"
    assert first["wire_version"] == 1
    assert first["clock"]["boot_id"] == "boot-1"
    assert second["clock"]["mono_ns"] > first["clock"]["mono_ns"]


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (429, {"Retry-After": "12"}, RetryLater, 12.0),
        (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, RetryLater, 0.0),
        (502, {}, RetryLater, None),
        (401, {}, DeviceRevoked, None),
        (409, {}, BatchRefused, None),
        (413, {}, BatchRefused, None),
        (422, {}, BatchRefused, None),
    ],
)
async def test_client_maps_status_codes(outbox, status, headers, error, retry_after):
    outbox.append([draft("A")])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, json={"detail": "why"})

    client, http = make(outbox, handler)
    async with http:
        batch = outbox.next_batch()
        assert batch is not None
        with pytest.raises(error, match="why") as info:
            await client.push(batch)
    if isinstance(info.value, RetryLater):
        assert info.value.retry_after == retry_after
    if status == 401:
        assert "device revoked or token wrong" in str(info.value)


@pytest.mark.parametrize(
    "exc", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("down")]
)
async def test_client_network_failures_retry_later(outbox, exc):
    outbox.append([draft("A")])

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    client, http = make(outbox, handler)
    async with http:
        batch = outbox.next_batch()
        assert batch is not None
        with pytest.raises(RetryLater):
            await client.push(batch)


class FlakyServer:
    """Fails the first `failures` requests, then holds everything it is sent."""

    def __init__(self, failures: list[httpx.Response | Exception]) -> None:
        self.failures = failures
        self.held: dict[int, dict[str, Any]] = {}
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        body = json.loads(request.content)
        rejected = []
        for event in body["events"]:
            self.held.setdefault(event["seq"], event)
            if event["code"] == "POISON":
                rejected.append({"seq": event["seq"], "reason": "poison"})
        hwm = 0
        while hwm + 1 in self.held:
            hwm += 1
        return httpx.Response(200, json=ack(hwm, len(body["events"]), rejected))


async def test_loop_retries_through_failures_and_drains(outbox):
    outbox.append([draft(str(i)) for i in range(1200)] + [draft("POISON")])
    server = FlakyServer(
        [
            httpx.Response(503, headers={"Retry-After": "0"}),
            httpx.Response(500),
            httpx.ReadTimeout("slow"),
        ]
    )
    client, http = make(outbox, server)
    loop = SyncLoop(outbox, client, interval_s=0.01, batch_size=500, backoff=Backoff(base=0.001))
    async with http:
        for _ in range(50):
            delay = await loop.step()
            assert delay is not None and delay < 1
            if outbox.depth() == 0:
                break
    assert outbox.depth() == 0
    assert sorted(server.held) == list(range(1, 1202))
    assert [d.reason for d in outbox.dead_letters()] == ["poison"]
    assert loop.status.state == "ok" and loop.status.rejected == 1
    assert loop.backoff.failures == 0


async def test_loop_stops_loudly_on_401_and_keeps_queue(outbox, caplog):
    outbox.append([draft("A")])
    client, http = make(outbox, lambda _: httpx.Response(401, json={"detail": "bad token"}))
    loop = SyncLoop(outbox, client)
    async with http:
        await loop.run()  # returns: sending stops for good
    assert outbox.depth() == 1
    assert loop.status.state == "revoked"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("device revoked or token wrong" in m for m in errors)


async def test_loop_refreezes_after_413_with_smaller_batches(outbox):
    outbox.append([draft(str(i)) for i in range(8)])
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events = json.loads(request.content)["events"]
        sizes.append(len(events))
        if len(events) > 2:
            return httpx.Response(413, json={"detail": "too large"})
        return httpx.Response(200, json=ack(events[-1]["seq"]))

    client, http = make(outbox, handler)
    loop = SyncLoop(outbox, client, batch_size=8)
    async with http:
        for _ in range(20):
            await loop.step()
            if not outbox.depth():
                break
    assert outbox.depth() == 0
    assert sizes[:3] == [8, 4, 2]


async def test_loop_resumes_as_soon_as_an_unreachable_server_is_back(outbox):
    outbox.append([draft(str(i)) for i in range(10)])
    server = FlakyServer([httpx.ConnectError("connection refused")])
    up = False

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/healthz":
            return httpx.Response(200 if up else 503)
        if not up:
            raise httpx.ConnectError("connection refused")
        return server(request)

    client, http = make(outbox, handler)
    # A backoff far longer than the test: only the probe can bring the loop back in time.
    loop = SyncLoop(outbox, client, interval_s=0.01, backoff=Backoff(base=600.0), probe_s=0.02)
    async with http:
        task = asyncio.create_task(loop.run())
        try:
            await eventually(lambda: loop.status.state == "retrying", 5)
            up = True
            await eventually(lambda: outbox.depth() == 0, 5)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert sorted(server.held) == list(range(1, 11))


async def test_loop_keeps_its_backoff_when_the_server_answers_busy(outbox):
    outbox.append([draft("A")])
    probes = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal probes
        if request.url.path == "/healthz":
            probes += 1
            return httpx.Response(200)
        return httpx.Response(503)

    client, http = make(outbox, handler)
    loop = SyncLoop(outbox, client, backoff=Backoff(base=600.0), probe_s=0.01)
    async with http:
        task = asyncio.create_task(loop.run())
        try:
            await eventually(lambda: loop.status.state == "retrying", 5)
            await asyncio.sleep(0.2)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert probes == 0 and outbox.depth() == 1
