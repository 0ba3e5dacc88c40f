"""Profile `driver` keys to simulator factories, imported only when asked for.

A factory is called as `make_sim(profile, pty, tags, rate, seed=0)` and returns an object with
`async serve()` that runs until cancelled.
"""

from __future__ import annotations

import importlib
from typing import Any

# key -> "module:factory"
SIMULATORS: dict[str, str] = {
    "serial_wand": "scanner.sim.wand:make_sim",
    "mercury": "scanner.sim.mercury:make_sim",
    "chafon": "scanner.sim.chafon:make_sim",
    "r2000": "scanner.sim.r2000:make_sim",
}


class SimulatorError(Exception):
    """No simulator exists for a profile's driver."""


def simulator_factory(key: str) -> Any:
    """The factory registered for driver key `key`."""
    try:
        module_name, _, attr = SIMULATORS[key].partition(":")
    except KeyError:
        known = ", ".join(sorted(SIMULATORS))
        raise SimulatorError(f"no simulator for driver {key!r}; simulated: {known}") from None
    return getattr(importlib.import_module(module_name), attr)
