"""The drain loop: one batch in flight per stream, acks up to `hwm`, backoff on failure.

Drains back to back while there is a backlog (a day offline must empty in about a minute),
waits `interval_s` when idle, and stops sending (keeping the queue) on 401.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from scanner.queue.store import Batch, Outbox
from scanner.sync.backoff import Backoff
from scanner.sync.client import BatchRefused, DeviceRevoked, RetryLater, SyncClient, Unreachable

_LOGGER = logging.getLogger(__name__)


@dataclass
class SyncStatus:
    """What the status line shows about syncing."""

    state: str = "idle"
    last_ok: float | None = None
    last_error: str | None = None
    batches: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0


class SyncLoop:
    """Moves the outbox to the server until cancelled or the device is revoked."""

    def __init__(
        self,
        outbox: Outbox,
        client: SyncClient,
        *,
        interval_s: float = 1.0,
        batch_size: int = 500,
        backoff: Backoff | None = None,
        probe_s: float = 5.0,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self.probe_s = probe_s
        self.status = SyncStatus()
        self._wake = asyncio.Event()
        self._unreachable = False

    def wake(self) -> None:
        """Ask for a sync now (new events), unless a backoff is running."""
        self._wake.set()

    async def run(self) -> None:
        """Sync until cancelled; returns only when the device is revoked (401)."""
        while True:
            delay = await self.step()
            if delay is None:
                return
            if delay > 0 and self._unreachable:
                await self._wait_for_server(delay)
            elif delay > 0:
                await self._sleep(delay, wakeable=self.backoff.failures == 0)

    async def step(self) -> float | None:
        """One try: the seconds to wait before the next, 0 to go on, None to stop for good."""
        batch = self.outbox.next_batch(max_events=self.batch_size)
        if batch is None:
            self.status.state = "idle"
            return self.interval_s
        try:
            ack = await self.client.push(batch)
        except DeviceRevoked as err:
            self.status.state = "revoked"
            self.status.last_error = str(err)
            _LOGGER.error(
                "SYNC STOPPED: %s. %d events stay queued in %s; re-enroll the device and "
                "restart the agent.",
                err,
                self.outbox.depth(),
                self.outbox.path,
            )
            return None
        except RetryLater as err:
            self._unreachable = isinstance(err, Unreachable)
            return self._failed(str(err), self.backoff.next_delay(err.retry_after))
        except BatchRefused as err:
            return self._refused(batch, err)
        self._unreachable = False
        self.outbox.ack(batch, ack.hwm, [(r.seq, r.reason) for r in ack.rejected])
        for r in ack.rejected:
            _LOGGER.warning("server rejected event %d: %s (kept as a dead letter)", r.seq, r.reason)
        self._succeeded(ack.inserted, ack.duplicates, len(ack.rejected))
        return 0.0 if self.outbox.depth() else self.interval_s

    async def final_sync(self, timeout_s: float) -> None:
        """Best-effort drain at shutdown, bounded by `timeout_s`; never raises."""
        try:
            async with asyncio.timeout(timeout_s):
                while self.outbox.depth():
                    delay = await self.step()
                    if delay is None or delay > 0:
                        return
        except TimeoutError:
            _LOGGER.info("final sync stopped after %.1f s; the rest stays queued", timeout_s)

    def _succeeded(self, inserted: int, duplicates: int, rejected: int) -> None:
        if self.backoff.failures:
            _LOGGER.info("sync is back after %d failed tries", self.backoff.failures)
        self.backoff.reset()
        self.status.state = "ok"
        self.status.last_ok = time.time()
        self.status.last_error = None
        self.status.batches += 1
        self.status.inserted += inserted
        self.status.duplicates += duplicates
        self.status.rejected += rejected

    def _failed(self, message: str, delay: float) -> float:
        self.status.state = "retrying"
        self.status.last_error = message
        level = logging.WARNING if self.backoff.failures <= 1 else logging.DEBUG
        _LOGGER.log(level, "sync failed: %s; retrying in %.1f s", message, delay)
        return delay

    def _refused(self, batch: Batch, err: BatchRefused) -> float:
        _LOGGER.error("sync refused: %s", err)
        if err.status == 413 and self.batch_size > 1:
            self.batch_size = max(1, self.batch_size // 2)
        if err.status in (409, 413):
            # Re-freeze under a new id (smaller for 413); events are idempotent by (stream, seq).
            self.outbox.discard_batch(batch)
            return 0.0
        return self._failed(str(err), self.backoff.next_delay())

    async def _wait_for_server(self, seconds: float) -> None:
        """Back off for `seconds`, but look every `probe_s` whether the unreachable server is
        back, so a backlog starts draining as soon as the network returns (design/sync.md)
        instead of after a backoff of up to five minutes. Only for no connection at all: a
        server that answers busy keeps its backoff and its Retry-After."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(self.probe_s, left))
            if left > self.probe_s and await self.client.reachable():
                _LOGGER.info("the server is reachable again; syncing now")
                return

    async def _sleep(self, seconds: float, *, wakeable: bool) -> None:
        self._wake.clear()
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            return
