"""The host side of a simulator's pty, driven by hand: write a command, read the answer."""

from __future__ import annotations

import contextlib
import os
import termios

from scanner.sim.pty import PtyPair
from scanner.sim.uhf_base import UhfSim, termios_speed


class HostLine:
    """The slave end of `pty`, opened at `baudrate` like pyserial would."""

    def __init__(self, pty: PtyPair, baudrate: int = 115200) -> None:
        self.fd = os.open(pty.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        attrs = termios.tcgetattr(self.fd)
        attrs[4] = attrs[5] = termios_speed(baudrate)
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)

    def read(self) -> bytes:
        data = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self.fd, 65536):
                data += chunk
        return data

    def ask(self, sim: UhfSim, command: bytes, now: float = 0.0) -> bytes:
        sim.handle(command, now)
        return self.read()

    def close(self) -> None:
        os.close(self.fd)
