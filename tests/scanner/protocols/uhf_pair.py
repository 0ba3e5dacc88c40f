"""A session and a simulator wired back to back on a fake clock (h11 `ConnectionPair` style).

The simulator still writes to a real pty; the pair reads the slave side itself, so no driver
and no event loop are involved and time moves only when the test says so.
"""

from __future__ import annotations

import contextlib
import os
import termios
from typing import Any

from scanner.protocols.uhf_actions import Action, Send
from scanner.protocols.uhf_session import State
from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import UhfSim, termios_speed


class Pair:
    """`session` talks to `sim`; `actions` collects everything the session asked for."""

    def __init__(self, session: Any, sim: UhfSim, pty: PtyPair, baudrate: int | None = None):
        self.session = session
        self.sim: Any = sim  # tests reach into the concrete simulator
        self.now = 1000.0
        self.actions: list[Action] = []
        self._fd = os.open(pty.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        attrs = termios.tcgetattr(self._fd)
        attrs[4] = attrs[5] = termios_speed(baudrate or sim.baudrate)
        termios.tcsetattr(self._fd, termios.TCSANOW, attrs)

    def close(self) -> None:
        os.close(self._fd)

    def start(self) -> list[Action]:
        return self._run(self.session.start(self.now))

    def stop(self) -> list[Action]:
        return self._run(self.session.stop(self.now))

    def advance(self, seconds: float, step: float = 0.01) -> list[Action]:
        """Let time pass in small steps: the sim streams, the session handles its deadlines."""
        out: list[Action] = []
        end = self.now + seconds
        while self.now < end:
            self.now = min(end, self.now + step)
            self.sim.emit_reads(self.now)
            out += self._run(self._deliver())
            out += self._run(self.session.tick(self.now))
        return out

    def _deliver(self) -> list[Action]:
        data = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self._fd, 65536):
                data += chunk
        return self.session.receive_data(data, self.now) if data else []

    def _run(self, actions: list[Action]) -> list[Action]:
        out: list[Action] = []
        pending = list(actions)
        while pending:
            out += pending
            for action in pending:
                if isinstance(action, Send):
                    self.sim.handle(action.data, self.now)
            pending = self._deliver()
        self.actions += out
        return out


def state(session: Any) -> State:
    """The session's state, read fresh (keeps mypy from narrowing it across calls)."""
    current: State = session.state
    return current


def of_type(actions: list[Action], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]
