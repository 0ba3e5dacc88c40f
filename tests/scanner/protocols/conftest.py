"""Fixtures shared by the protocol session tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.sim.pty import PtyPair


@pytest.fixture
def pty() -> Iterator[PtyPair]:
    """A pty for a simulator paired with a session."""
    with PtyPair() as pair:
        yield pair
