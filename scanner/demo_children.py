"""The demo's child processes and the signals that stop them, so `scanstation demo` behaves
like a service: SIGTERM (`kill PID`), SIGINT (Ctrl-C, or `kill -INT` of a background job whose
shell started it with SIGINT ignored) and SIGHUP (its terminal closed) all stop every child, in
order, and free the port."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class DemoStopped(BaseException):  # like KeyboardInterrupt: a way out, not an error
    """A stop signal arrived; the name of the signal is the message."""


class StopSignals:
    """Turns the first stop signal into `DemoStopped` in the main thread; later ones are
    ignored, so the orderly stop cannot itself be interrupted. Inside `critical()` the
    exception waits until the block ends (a child just started is always recorded)."""

    def __init__(self) -> None:
        self._pending: str | None = None
        self._depth = 0

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.ignore()
        name = signal.Signals(signum).name
        if self._depth:
            self._pending = name
            return
        raise DemoStopped(name)

    def ignore(self) -> None:
        """From now on stop signals do nothing (the demo is already stopping)."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the stop signals in this block, even one that was ignored when the demo
        started (a background job); the previous handlers come back afterwards."""
        previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """A block a stop signal must not cut in half."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._pending is not None and not self._depth:
            name, self._pending = self._pending, None
            raise DemoStopped(name)


class Children:
    """The demo's processes, each in its own session so a terminal's Ctrl-C or hangup reaches
    only the demo, which then stops them in order: agents first (they flush their queues to a
    server that is still up), then the simulators and the server."""

    def __init__(self, logs: Path, signals: StopSignals) -> None:
        self._logs = logs
        self._signals = signals
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, args: list[str], stdin: int | None = None, pipe_out: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start `scanstation ARGS` as child `name`, its output in `<name>.log`."""
        with self._signals.critical(), (self._logs / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "scanner", *args],
                stdin=stdin,
                stdout=subprocess.PIPE if pipe_out else log,
                stderr=log,
                start_new_session=True,
            )
            self.procs[name] = proc
        return proc

    def stop(self, name: str, timeout: float = 15.0) -> None:
        """SIGTERM child `name` and wait for it; SIGKILL after `timeout` seconds."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        """Agents first, then everything else, with stop signals ignored meanwhile."""
        self._signals.ignore()
        for name in [n for n in self.procs if n.startswith("agent")]:
            self.stop(name)
        for name in list(self.procs):
            self.stop(name)

    def dead(self) -> list[str]:
        """The children that exited by themselves."""
        return [name for name, proc in self.procs.items() if proc.poll() is not None]
