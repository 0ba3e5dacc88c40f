from __future__ import annotations

from pathlib import Path

from scanner.drivers.base import DriverHealth, DriverState
from scanner.queue import Outbox
from scanner.status import status_line
from scanner.sync import SyncStatus
from tests.scanner.queue.test_store import draft


def test_status_line_shows_queue_sync_and_drivers(tmp_path: Path):
    box = Outbox(tmp_path / "q.db")
    box.append([draft("A"), draft("B")])
    sync = SyncStatus(state="retrying", last_ok=100.0, last_error="server busy (503)")
    wand = DriverHealth(
        name="wand@/dev/ttyACM0",
        state=DriverState.RECONNECTING,
        reads=7,
        reads_per_s=0.5,
        last_error="gone",
        reconnects=2,
    )
    line = status_line(box, sync, [wand], now=160.0)
    assert "queue depth=2 committed=2 hwm=0" in line
    assert "sync retrying last_ok=60s ago" in line and "503" in line
    assert "wand@/dev/ttyACM0 reconnecting reads=7 0.5/s reconnects=2" in line
    assert "last_error='gone'" in line
    assert "last_ok=never" in status_line(box, SyncStatus(), [])
    box.close()
