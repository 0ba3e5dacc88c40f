"""`scanstation simulate PROFILE`: a simulated device on a new pty (contract section 1)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any

from scanner.profiles import ProfileError, load_profile
from scanner.sim.dock_traffic import dock_door_traffic
from scanner.sim.portal import place_on
from scanner.sim.pty import PtyPair
from scanner.sim.registry import SimulatorError, simulator_factory

_LOGGER = logging.getLogger(__name__)

PALLET_SIZE = 8


def run_simulator(
    profile: str, tags: list[str], tags_file: Path | None, rate: float, dock_door: bool = False
) -> int:
    """Print the pty path as the first stdout line, then serve until killed; 2 on bad input.

    With `dock_door`, an RFID simulator's tags start out of the field and drive through a
    portal in pallets (antennas 1 and 3 outside, 2 and 4 inside), in and out, forever."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        device = load_profile(profile)
        factory = simulator_factory(device.driver)
        codes = list(tags) + (_read_tags(tags_file) if tags_file else [])
    except (ProfileError, SimulatorError, OSError) as err:
        sys.stderr.write(f"simulate: {err}\n")
        return 2
    if rate <= 0:
        sys.stderr.write("simulate: --rate must be positive\n")
        return 2
    with PtyPair() as pty:
        sys.stdout.write(pty.path + "\n")
        sys.stdout.flush()
        _LOGGER.info("simulating %s on %s", device.id, pty.path)
        sim = factory(device, pty, codes, rate)
        if dock_door and not hasattr(sim, "population"):
            sys.stderr.write(f"simulate: --dock-door needs an RFID profile, not {device.id}\n")
            return 2
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_dock_door(sim, codes) if dock_door else sim.serve())
    return 0


async def _serve_dock_door(sim: Any, codes: list[str]) -> None:
    """Serve while pallets of `codes` (eight tags each) drive through a portal with two
    antennas a side, in the physical model's fields (antennas 1 and 3 out, 2 and 4 in)."""
    place = place_on(sim.population)
    for epc in codes:
        place(epc, (), 0.0)
    pallets = [codes[i : i + PALLET_SIZE] for i in range(0, len(codes), PALLET_SIZE)]
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(sim.serve())
        tasks.create_task(dock_door_traffic(place, pallets))


def _read_tags(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
