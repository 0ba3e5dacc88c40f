from __future__ import annotations

import os
import select
import subprocess
import sys

from scanner.sim.cli import run_simulator


def _read_until(fd: int, wanted: bytes, timeout: float = 20.0) -> bytes:
    data = b""
    while wanted not in data:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"timed out; got {data!r}"
        data += os.read(fd, 4096)
    return data


def test_simulate_prints_pty_path_first_then_types_tags_and_stdin():
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "simulate", "generic-serial-wand", "--tag", "AST-1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        path = proc.stdout.readline().decode().strip()
        assert path.startswith("/dev/pts/")
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            assert _read_until(fd, b"\r\n") == b"]C0AST-1\r\n"
            proc.stdin.write(b"]C1010950110153000317140704<GS>21X\n")
            proc.stdin.flush()
            got = _read_until(fd, b"21X\r\n")
            assert got == b"]C1010950110153000317140704\x1d21X\r\n"
        finally:
            os.close(fd)
    finally:
        proc.kill()
        proc.communicate()


def test_simulate_unknown_profile_is_a_clear_error(capsys):
    assert run_simulator("no-such-device", [], None, 1.0) == 2
    assert "unknown profile 'no-such-device'" in capsys.readouterr().err
