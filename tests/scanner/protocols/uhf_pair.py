"""A session and a simulator wired back to back on a fake clock (h11 `ConnectionPair` style).

The simulator still writes to a real pty; the pair reads the slave side itself, so no driver
and no event loop are involved and time moves only when the test says so.
"""

from __future__ import annotations

import contextlib
import os
import termios
from collections.abc import Callable
from typing import Any

from scanner.protocols.uhf_actions import Action, ProtocolError, Send, TagSeen
from scanner.protocols.uhf_session import TRANSITIONS, State
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


WAITING = {State.PROBING, State.CONFIGURING, State.STARTING, State.STREAMING, State.STOPPING}


def check_invariants(
    session: Any, inputs: list[Any], decode: Callable[[bytes], object], epc: object
) -> None:
    """Drive `session` with hypothesis `inputs` ("start", "stop", ("tick", dt), (kind, bytes))
    and assert the invariants every UHF session keeps, whatever the reader sends."""
    now = 0.0
    for item in inputs:
        before = session.state
        try:
            if item == "start":
                actions = session.start(now)
            elif item == "stop":
                actions = session.stop(now)
            elif item[0] == "tick":
                now += item[1]
                actions = session.tick(now)
            else:
                actions = session.receive_data(item[1], now)
        except ProtocolError:
            assert state(session) is before  # refused calls change nothing
            assert item in ("start", "stop")
            continue
        after = session.state
        # Each state change follows rows of the table (at most two in one input).
        if after is not before:
            hop = {TRANSITIONS[k] for k in TRANSITIONS if k[0] is before}
            two = {TRANSITIONS[k] for k in TRANSITIONS if k[0] in hop}
            assert after in hop | two
        # A session that waits on the reader always knows when to give up.
        assert (session.deadline() is not None) == (after in WAITING)
        for action in actions:
            if isinstance(action, Send):
                decode(action.data)  # only well-formed frames go out
            if isinstance(action, TagSeen):
                assert action.epc == epc and State.STREAMING in (before, after)
