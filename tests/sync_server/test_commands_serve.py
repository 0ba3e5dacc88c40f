"""`scanstation server` as real processes: several on one database share the sign-in limits,
X-Forwarded-For counts only from a named proxy, and user errors exit without a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.sync_server.test_commands import _await_line, _free_port, _invoke

PASSWORD = "a-long-enough-password"
_DRAINS: dict[int, threading.Thread] = {}


def _start(db_url: str, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    args = ["server", "--db", db_url, "--port", str(port), *extra]
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _await_line(proc, b"Application startup complete", timeout=60)
    # Keep reading its log so a full pipe never stalls the server.
    drain = threading.Thread(target=_drain, args=(proc,), daemon=True)
    drain.start()
    _DRAINS[proc.pid] = drain
    return proc, f"http://127.0.0.1:{port}"


def _drain(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stderr is not None
    with contextlib.suppress(OSError, ValueError):
        while proc.stderr.read(65536):
            pass


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)
    _DRAINS.pop(proc.pid).join(timeout=10)
    assert proc.stderr is not None
    proc.stderr.close()


@pytest.fixture
def two_servers(db_url: str) -> Iterator[tuple[str, str]]:
    """Two server processes on one database: the first trusts no proxy, the second trusts
    127.0.0.1 as its proxy."""
    for name in ("ada", "bob"):
        args = ["user", "add", name, "--role", "viewer", "--password-stdin", "--db", db_url]
        assert _invoke(*args, stdin=PASSWORD + "\n")[0] == 0
    first, url1 = _start(db_url)
    try:
        second, url2 = _start(db_url, "--forwarded-allow-ips", "127.0.0.1")
        try:
            yield url1, url2
        finally:
            _stop(second)
    finally:
        _stop(first)


async def _signer(url: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    page = await client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return client, match.group(1)


async def _try(signer: tuple[httpx.AsyncClient, str], name: str, pw: str, **headers: str) -> int:
    client, csrf = signer
    data = {"name": name, "password": pw, "csrf_token": csrf}
    return (await client.post("/login", data=data, headers=headers)).status_code


async def test_serve_processes_share_limits_and_believe_only_a_named_proxy(two_servers) -> None:
    signers = [await _signer(url) for url in two_servers]
    direct, proxied = signers
    try:
        tries = [_try(signers[i % 2], "ada", f"guess-{i}") for i in range(40)]
        codes = await asyncio.gather(*tries)
        spoofed = [await _try(direct, "bob", "guess", **{"X-Forwarded-For": f"10.0.0.{i}"})
                   for i in range(6)]  # fmt: skip
        forwarded = [await _try(proxied, "bob", "guess", **{"X-Forwarded-For": f"10.0.1.{i}"})
                     for i in range(6)]  # fmt: skip
    finally:
        for client, _ in signers:
            await client.aclose()
    # Checked: the per-account-and-address limit over both processes, not 5 per process.
    assert (codes.count(401), codes.count(429)) == (5, 35)
    assert spoofed == [401] * 5 + [429]  # the direct server counts the peer, not the header
    assert forwarded == [401] * 6  # six clients behind the named proxy


def _run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--port", "99999"], "65535"),
        (["--db", "mysql://u@h/db"], "unsupported database"),
        (["--db", "not a url"], "not a database URL"),
    ],
)
def test_serve_refuses_bad_options_with_a_message_and_no_traceback(args, needle) -> None:
    result = _run_cli("server", *args)
    assert result.returncode != 0
    assert needle in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_on_a_port_in_use_exits_with_a_message(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = f"sqlite:///{tmp_path / 's.db'}"
        result = _run_cli("server", "--db", db, "--port", str(port))
    assert result.returncode != 0
    assert "address already in use" in result.stderr.lower()
    assert "Traceback" not in result.stderr + result.stdout
