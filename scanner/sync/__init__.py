"""Sending the outbox to the server (design/sync.md, Sending). Knows nothing of serial."""

from scanner.sync.backoff import Backoff, full_jitter
from scanner.sync.client import (
    BatchRefused,
    DeviceRevoked,
    RetryLater,
    SyncClient,
    SyncError,
    Unreachable,
    device_clock,
)
from scanner.sync.loop import SyncLoop, SyncStatus

__all__ = [
    "Backoff",
    "BatchRefused",
    "DeviceRevoked",
    "RetryLater",
    "SyncClient",
    "SyncError",
    "SyncLoop",
    "SyncStatus",
    "Unreachable",
    "device_clock",
    "full_jitter",
]
