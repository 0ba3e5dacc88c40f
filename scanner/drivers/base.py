"""What every driver offers the agent: a run loop that emits reads, and its health."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from scanner.events import RawRead

ReadSink = Callable[[RawRead], None]


class DriverError(Exception):
    """A device problem a person can act on (wrong port, wrong baud rate, no permission)."""


class DriverState(enum.StrEnum):
    """Where a driver is in its life; shown in the agent's status."""

    STARTING = "starting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(slots=True)
class DriverHealth:
    """A driver's health as the agent reports it."""

    name: str
    state: DriverState = DriverState.STARTING
    port: str | None = None
    reads: int = 0
    reads_per_s: float = 0.0
    last_error: str | None = None
    reconnects: int = 0
    details: dict[str, str] = field(default_factory=dict)


class Driver(Protocol):
    """A capture source. `run` reconnects by itself and returns only when cancelled."""

    @property
    def name(self) -> str: ...

    def health(self) -> DriverHealth: ...

    async def run(self, sink: ReadSink) -> None: ...
