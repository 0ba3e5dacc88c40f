"""The agent's one-line status (driver health, queue depth, last sync), logged every minute."""

from __future__ import annotations

import time
from collections.abc import Iterable

from scanner.drivers.base import DriverHealth
from scanner.queue.store import Outbox
from scanner.sync.loop import SyncStatus


def status_line(
    outbox: Outbox, sync: SyncStatus, drivers: Iterable[DriverHealth], now: float | None = None
) -> str:
    """`queue depth=.. committed=.. hwm=.. budget=..% | sync .. | <source> <state> ..`."""
    now = time.time() if now is None else now
    parts = [
        f"queue depth={outbox.depth()} committed={outbox.committed_seq()} hwm={outbox.hwm()} "
        f"budget={outbox.usage() * 100:.0f}% dead={outbox.dead_count()}",
        _sync_part(sync, now),
    ]
    for health in drivers:
        text = f"{health.name} {health.state} reads={health.reads} {health.reads_per_s:.1f}/s"
        if health.reconnects:
            text += f" reconnects={health.reconnects}"
        if health.last_error:
            text += f" last_error={health.last_error!r}"
        parts.append(text)
    return " | ".join(parts)


def _sync_part(sync: SyncStatus, now: float) -> str:
    last = "never" if sync.last_ok is None else f"{now - sync.last_ok:.0f}s ago"
    text = f"sync {sync.state} last_ok={last} inserted={sync.inserted}"
    if sync.last_error:
        text += f" last_error={sync.last_error!r}"
    return text
