"""`scanstation demo` behaves like a service: SIGTERM, SIGINT and SIGHUP stop every child in
order (agents flush first) and free the port, whether it was started from a terminal or in
the background with no terminal and SIGINT ignored (what `cmd &` in a script gives)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scanner.demo_children import DemoStopped, StopSignals

pytestmark = pytest.mark.timeout(240)
BANNER = re.compile(rb"API token: \S+?\)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _demo_args(port: int, work: Path) -> list[str]:
    return [sys.executable, "-m", "scanner", "demo", "--port", str(port), "--workdir", str(work)]


def _wait(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _agents_running(work: Path) -> None:
    def reading() -> bool:
        logs = [work / "logs" / f"{name}.log" for name in ("agent-wand", "agent-portal")]
        return all(p.exists() and "reading" in p.read_text(errors="replace") for p in logs)

    _wait(reading, 60, "both agents reading their devices")


def _check_stopped(proc: subprocess.Popen[bytes], kids: list[int], port: int, work: Path) -> None:
    assert proc.wait(90) == 0
    for pid in kids:

        def gone(p: int = pid) -> bool:
            return not _alive(p)

        _wait(gone, 10, f"child {pid} to exit")
    assert _port_free(port)
    # Agents stop first, so their last sync reaches a server that is still up.
    for name in ("agent-wand", "agent-portal"):
        log = (work / "logs" / f"{name}.log").read_text()
        assert "stopped: 0 event(s) stay queued" in log, log[-2000:]
    server_log = (work / "logs" / "server.log").read_text()
    assert "Finished server process" in server_log


def _import_into_the_demo(banner: str, tmp_path: Path) -> None:
    """The banner says how to import into the running demo; doing so works."""
    line = next(ln for ln in banner.splitlines() if "import assets" in ln)
    match = re.search(r"--server (\S+) --token (\S+)", line)
    assert match is not None, line
    register = tmp_path / "register.csv"
    register.write_text("Asset Tag,Item Name\nNEW-1,Ladder\nNEW-2,Trolley\n")
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "import", "assets", str(register),
         "--server", match.group(1), "--token", match.group(2), "--json"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b'"created": 2' in done.stdout


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_demo_started_in_the_background_stops_every_child(tmp_path: Path, sig: signal.Signals):
    port, work, out = _free_port(), tmp_path / "work", tmp_path / "demo.out"
    with out.open("wb") as sink:
        # No terminal, its own session, SIGINT ignored: a background job of a shell script.
        proc = subprocess.Popen(
            _demo_args(port, work),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_ignore_sigint,
        )
        try:
            _wait(lambda: bool(BANNER.search(out.read_bytes())), 150, "the banner")
            _agents_running(work)
            kids = _children_of(proc.pid)
            assert len(kids) == 5  # server, 2 simulators, 2 agents
            if sig == signal.SIGTERM:
                _import_into_the_demo(out.read_text(), tmp_path)
            proc.send_signal(sig)
            _check_stopped(proc, kids, port, work)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert f"stopping ({sig.name})" in out.read_text()


@contextlib.contextmanager
def _on_a_terminal(args: list[str]) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    master, slave = os.openpty()

    def controlling_tty() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        args, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_tty
    )
    os.close(slave)
    try:
        yield proc, master
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with contextlib.suppress(OSError):
            os.close(master)


def _read_until(master: int, pattern: re.Pattern[bytes], timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while not pattern.search(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"timed out; terminal showed: {seen[-2000:]!r}"
        ready, _, _ = select.select([master], [], [], min(left, 1.0))
        if ready:
            seen += os.read(master, 65536)
    return seen


def test_demo_on_a_terminal_stops_every_child_when_the_terminal_hangs_up(tmp_path: Path):
    port, work = _free_port(), tmp_path / "work"
    with _on_a_terminal(_demo_args(port, work)) as (proc, master):
        _read_until(master, BANNER, 150)
        _agents_running(work)
        kids = _children_of(proc.pid)
        assert len(kids) == 5
        os.close(master)  # the terminal goes away: the kernel sends SIGHUP to the demo
        _check_stopped(proc, kids, port, work)


def test_stop_signals_raise_once_then_are_ignored() -> None:
    signals = StopSignals()
    with signals.installed():
        with pytest.raises(DemoStopped, match="SIGHUP"):
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5)  # the handler raises before this ends
        os.kill(os.getpid(), signal.SIGTERM)  # ignored: the demo is already stopping
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stop_signals_wait_for_the_end_of_a_critical_block() -> None:
    signals = StopSignals()
    done = []
    with signals.installed(), pytest.raises(DemoStopped, match="SIGTERM"), signals.critical():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)
        done.append("child recorded")
    assert done == ["child recorded"]
