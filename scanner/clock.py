"""The agent's clocks: wall time, the monotonic clock and the id of the current boot."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

_BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


def wall_now() -> datetime:
    """The device's wall clock, timezone-aware; may be wrong, which the server corrects for."""
    return datetime.now(UTC)


def mono_ns() -> int:
    """Nanoseconds on a clock that never jumps and restarts only with the machine."""
    return time.monotonic_ns()


def read_boot_id() -> str:
    """The kernel's id of this boot, so the server can tie `mono_ns` values to one clock."""
    try:
        return _BOOT_ID_PATH.read_text().strip()
    except OSError:
        # Not Linux: a per-process id is the honest fallback (monotonic may restart with it).
        return f"proc-{uuid.uuid4()}"
