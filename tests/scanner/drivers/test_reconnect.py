from __future__ import annotations

import logging
import random

from scanner.drivers.base import DriverHealth, DriverState
from scanner.drivers.reconnect import Reconnector


def test_reconnector_delay_doubles_up_to_the_cap_with_bounded_jitter():
    link = Reconnector(
        DriverHealth("x"), logging.getLogger("t"), base_s=0.5, cap_s=4.0, rng=random.Random(1)
    )
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (50, 4.0)]:
        delay = link.delay(attempt)
        assert ceiling / 2 <= delay <= ceiling


def test_reconnector_counts_a_reconnect_only_after_a_loss():
    health = DriverHealth("x")
    link = Reconnector(health, logging.getLogger("t"), base_s=0.1, cap_s=1.0)
    link.connected("/dev/a", 0)
    assert (health.state, health.reconnects) == (DriverState.CONNECTED, 0)
    link.lost("gone", first=True)
    assert (health.state, health.last_error) == (DriverState.RECONNECTING, "gone")
    link.connected("/dev/a", 0)
    assert (health.state, health.reconnects) == (DriverState.CONNECTED, 1)
