"""Fixtures shared by the simulator tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.sim.pty import PtyPair
from tests.scanner.sim.uhf_line import HostLine


@pytest.fixture
def line() -> Iterator[tuple[PtyPair, HostLine]]:
    """A pty for a simulator and the host's end of it."""
    with PtyPair() as pty:
        host = HostLine(pty)
        yield pty, host
        host.close()
