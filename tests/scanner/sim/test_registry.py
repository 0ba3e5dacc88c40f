from __future__ import annotations

import pytest

from scanner.sim.registry import SIMULATORS, SimulatorError, simulator_factory


def test_simulator_factory_resolves_every_entry():
    for key in SIMULATORS:
        assert callable(simulator_factory(key))


def test_simulator_factory_unknown_key_is_clear():
    with pytest.raises(SimulatorError, match="no simulator for driver 'nope'"):
        simulator_factory("nope")
