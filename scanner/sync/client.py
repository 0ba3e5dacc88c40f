"""POST frozen batches to `/api/v1/sync/batches` (contract 2.1) and classify the answer.

Knows `shared.wire` and httpx, nothing of serial or the queue file. The `clock` is taken at
send time on every try: it must say when this request left, not when the batch was frozen.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from scanner.clock import mono_ns, wall_now
from scanner.queue.store import Batch
from shared.wire import WIRE_VERSION, BatchAck

SYNC_PATH = "/api/v1/sync/batches"
HEALTH_PATH = "/healthz"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
PROBE_TIMEOUT = httpx.Timeout(2.0)


class SyncError(Exception):
    """A batch that did not get a usable answer."""


class RetryLater(SyncError):
    """The network or the server is unavailable or busy; try again after a backoff."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(RetryLater):
    """No connection to the server at all (network down, server stopped)."""


class DeviceRevoked(SyncError):
    """401: the token is wrong or the device was revoked; sending must stop."""


class BatchRefused(SyncError):
    """The server refused the batch as a whole (409, 413, other 4xx); `status` says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


ClockFn = Callable[[], dict[str, Any]]


def device_clock(boot_id: str) -> ClockFn:
    """A `clock` builder for this boot: boot_id, mono_ns and wall, read when called."""

    def clock() -> dict[str, Any]:
        return {"boot_id": boot_id, "mono_ns": mono_ns(), "wall": wall_now().isoformat()}

    return clock


class SyncClient:
    """Sends batches for one device and stream through an injected `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        server: str,
        token: str,
        device_id: str,
        stream_id: str,
        clock: ClockFn,
    ) -> None:
        self._http = http
        self._url = server.rstrip("/") + SYNC_PATH
        self._health_url = server.rstrip("/") + HEALTH_PATH
        self._headers = {"Authorization": f"Bearer {token}"}
        self.device_id = device_id
        self.stream_id = stream_id
        self._clock = clock

    def body(self, batch: Batch) -> dict[str, Any]:
        """The request body for `batch`, with the clock read now."""
        return {
            "wire_version": WIRE_VERSION,
            "batch_id": batch.batch_id,
            "device_id": self.device_id,
            "stream_id": self.stream_id,
            "clock": self._clock(),
            "events": batch.events,
        }

    async def push(self, batch: Batch) -> BatchAck:
        """Send `batch`; its ack, or RetryLater / DeviceRevoked / BatchRefused."""
        content = json.dumps(self.body(batch), separators=(",", ":")).encode()
        headers = {**self._headers, "Content-Type": "application/json"}
        try:
            response = await self._http.post(
                self._url, content=content, headers=headers, timeout=TIMEOUT
            )
        except httpx.TimeoutException as err:
            raise RetryLater(f"{self._url} timed out ({err.__class__.__name__})") from err
        except httpx.TransportError as err:
            reason = str(err) or err.__class__.__name__
            raise Unreachable(f"{self._url} unreachable: {reason}") from err
        return _answer(response)

    async def reachable(self) -> bool:
        """Whether the server answers its health check now (cheap, no credentials)."""
        try:
            response = await self._http.get(self._health_url, timeout=PROBE_TIMEOUT)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def _answer(response: httpx.Response) -> BatchAck:
    status = response.status_code
    if status == 200:
        try:
            return BatchAck.model_validate_json(response.content)
        except ValidationError as err:
            raise RetryLater(f"server answered 200 without a batch ack: {err}") from err
    detail = _detail(response)
    if status == 401:
        raise DeviceRevoked(f"device revoked or token wrong (401): {detail}")
    if status in (429, 503) or status >= 500:
        raise RetryLater(f"server busy or failing ({status}): {detail}", _retry_after(response))
    if status == 413:
        raise BatchRefused(f"batch too large (413): {detail}", status)
    if status == 409:
        raise BatchRefused(f"batch id reused with other content (409): {detail}", status)
    raise BatchRefused(f"batch refused ({status}): {detail}", status)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail if detail is not None else response.text[:200])


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
