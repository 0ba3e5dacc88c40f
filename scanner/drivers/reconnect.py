"""What every reconnecting driver shares: marking its health connected or lost, saying so in
the driver's own log, and capped exponential backoff with jitter between attempts."""

from __future__ import annotations

import logging
import random

from scanner.drivers.base import DriverHealth, DriverState


class Reconnector:
    """Health and log bookkeeping for a driver's open/lose/retry loop, and its retry delays."""

    def __init__(
        self,
        health: DriverHealth,
        logger: logging.Logger,
        *,
        base_s: float,
        cap_s: float,
        rng: random.Random | None = None,
    ) -> None:
        self._health = health
        self._logger = logger  # the driver's own, so its log lines keep their logger name
        self.base_s = base_s
        self.cap_s = cap_s
        self._rng = rng or random.Random()

    def connected(self, where: str, attempt: int, *, doing: str = "reading") -> None:
        """The device at `where` is open: count a reconnect if it had been lost."""
        name = self._health.name
        if attempt or self._health.state == DriverState.RECONNECTING:
            self._health.reconnects += 1
            self._logger.warning("%s: %s is back", name, where)
        else:
            self._logger.info("%s: %s %s", name, doing, where)
        self._health.state = DriverState.CONNECTED

    def lost(self, reason: str, *, first: bool) -> None:
        """The device is gone or cannot be opened; warn on the first failure only."""
        self._health.state = DriverState.RECONNECTING
        self._health.last_error = reason
        if first:
            self._logger.warning("%s: %s; retrying with backoff", self._health.name, reason)
        else:
            self._logger.debug("%s: still unavailable: %s", self._health.name, reason)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(attempt, 30))
        # Jitter between half and all of the ceiling: bounded below so a flapping port
        # is not hammered, spread so many stations do not retry in lockstep.
        return ceiling * (0.5 + 0.5 * self._rng.random())
