"""What a UHF reader session asks its driver to do, and the interface every session offers.

Sessions are sans-IO (architecture 3.2): the driver passes bytes and `now` in and carries out
the returned actions in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ProtocolError(Exception):
    """An input the session cannot accept in its current state; the state is left unchanged."""


@dataclass(frozen=True, slots=True)
class Send:
    """Write these bytes to the reader."""

    data: bytes


@dataclass(frozen=True, slots=True)
class TagSeen:
    """A tag read: EPC in upper-case hex, 1-based antenna, RSSI in dBm, PC word if reported."""

    epc: str
    antenna: int
    rssi: float | None
    pc: int | None = None


@dataclass(frozen=True, slots=True)
class Ready:
    """The reader is configured and reading; `description` names it (model, firmware)."""

    description: str


@dataclass(frozen=True, slots=True)
class ReaderFault:
    """The reader reported an error. `fatal`: the session gave up and the link should reset."""

    message: str
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class Restarted:
    """The reader rebooted or went silent; the session re-initialises it."""

    reason: str


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """The probe got no valid reply in time; `garbage` bytes arrived instead (wrong baud?)."""

    garbage: int


Action = Send | TagSeen | Ready | ReaderFault | Restarted | NoAnswer


class UhfSession(Protocol):
    """The sans-IO face of a reader protocol, as `scanner.drivers.uhf_base` drives it."""

    @property
    def streaming(self) -> bool:
        """True while the reader is reading tags."""
        ...

    def start(self, now: float) -> list[Action]:
        """Begin: probe the reader, configure it and start reading."""
        ...

    def receive_data(self, data: bytes, now: float) -> list[Action]:
        """Bytes from the reader."""
        ...

    def tick(self, now: float) -> list[Action]:
        """Time passed; handles timeouts. Call it at `deadline()` at the latest."""
        ...

    def stop(self, now: float) -> list[Action]:
        """Stop reading (best effort: the link may close right after)."""
        ...

    def deadline(self) -> float | None:
        """When `tick` is due next, on the clock `now` is measured on."""
        ...
