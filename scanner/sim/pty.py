"""A pseudo-terminal pair: the simulator speaks on the master, drivers open the slave path."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import termios
import tty
from types import TracebackType


class PtyPair:
    """`openpty()` in raw mode; `path` is what a driver opens, like `/dev/ttyUSB0`."""

    def __init__(self) -> None:
        self.master, self._slave = pty.openpty()
        tty.setraw(self._slave, termios.TCSANOW)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self._slave)
        self.closed = False

    def write(self, data: bytes) -> None:
        """Write all of `data` to the master side, waiting for room if the pty is full."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.master, view) :]
            except BlockingIOError:
                os.set_blocking(self.master, True)
                try:
                    view = view[os.write(self.master, view) :]
                finally:
                    os.set_blocking(self.master, False)

    async def read(self, loop: asyncio.AbstractEventLoop | None = None) -> bytes:
        """The next bytes a driver wrote to the slave side (b"" once the pty is closed)."""
        loop = loop or asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.master, wake)
        try:
            await ready
        finally:
            loop.remove_reader(self.master)
        try:
            return os.read(self.master, 65536)
        except BlockingIOError:
            return await self.read(loop)
        except OSError:
            # EIO: no process has the slave open right now; report it like an empty read.
            return b""

    def close(self) -> None:
        """Close both ends; a driver using the slave sees the device disappear."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
