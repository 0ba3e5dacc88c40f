"""`scanstation simulate PROFILE`: a simulated device on a new pty (contract section 1)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from scanner.profiles import ProfileError, load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.registry import SimulatorError, simulator_factory

_LOGGER = logging.getLogger(__name__)


def run_simulator(profile: str, tags: list[str], tags_file: Path | None, rate: float) -> int:
    """Print the pty path as the first stdout line, then serve until killed; 2 on bad input."""
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
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(sim.serve())
    return 0


def _read_tags(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
