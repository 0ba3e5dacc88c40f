"""The server's CLI commands through `scanner.cli.app` (contract section 1)."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from sync_server.main import create_app
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import batch, bearer, event


def _invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _add_read_point(db_url: str, code: str) -> None:
    from sqlmodel import Session

    from sync_server.db import make_engine
    from sync_server.services import registry
    from sync_server.services.schemas import ReadPointIn

    engine = make_engine(db_url)
    with Session(engine) as s:
        registry.create_read_point(s, ReadPointIn(code=code))
        s.commit()
    engine.dispose()


async def test_commands_device_enroll_json_token_works_and_revoke_stops_it(db_url):
    args = ("device", "enroll", "dock3", "--read-point", "WH1-DOCK3", "--db", db_url, "--json")
    code, out, err = _invoke(*args)
    assert code == 1 and out == "" and "no read point 'WH1-DOCK3'" in err  # a typo, refused
    _add_read_point(db_url, "WH1-DOCK3")
    code, out, _ = _invoke(*args)
    assert code == 0
    (line,) = out.strip().splitlines()
    enrolled = json.loads(line)
    assert set(enrolled) == {"device_id", "token"} and enrolled["device_id"] == "dock3"
    api = create_app(ServerSettings(db=db_url))
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = batch("dock3", [event(1)])
            r = await client.post(
                "/api/v1/sync/batches", json=body, headers=bearer(enrolled["token"])
            )
            assert r.status_code == 200 and r.json()["inserted"] == 1
            assert _invoke("device", "revoke", "dock3", "--db", db_url)[0] == 0
            r = await client.post(
                "/api/v1/sync/batches", json=body, headers=bearer(enrolled["token"])
            )
            assert r.status_code == 401


def test_commands_enroll_twice_or_bad_name_fails_cleanly(db_url):
    assert _invoke("device", "enroll", "d1", "--db", db_url, "--json")[0] == 0
    code, out, err = _invoke("device", "enroll", "d1", "--db", db_url, "--json")
    assert code == 1 and out == "" and "already" in err
    code, _, err = _invoke("device", "enroll", "bad name", "--db", db_url)
    assert code == 1 and "device id" in err
    code, _, err = _invoke("device", "revoke", "ghost", "--db", db_url)
    assert code == 1 and "ghost" in err


async def test_commands_user_add_with_password_stdin_prints_a_working_api_token(db_url):
    code, out, _ = _invoke(
        "user", "add", "ada", "--role", "auditor", "--password-stdin", "--db", db_url, "--json",
        stdin="s3cret pw, long enough\nignored\n",
    )  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["user"] == "ada" and len(created["api_token"]) >= 40
    from sqlmodel import Session

    from sync_server.db import make_engine
    from sync_server.services import auth

    engine = make_engine(db_url)
    with Session(engine) as s:
        assert auth.authenticate_user(s, "ada", "s3cret pw, long enough") is not None
        assert auth.user_for_api_token(s, created["api_token"]) is not None
    engine.dispose()
    code, _, err = _invoke("user", "add", "bob", "--role", "root", "--db", db_url)
    assert code == 1 and "role" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _await_line(proc: subprocess.Popen[bytes], needle: bytes, timeout: float) -> None:
    """Read the child's stderr until a line contains `needle`, or fail after `timeout`."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    while needle not in buffer:
        left = deadline - time.monotonic()
        assert left > 0, f"no {needle!r} from the server: {buffer[-2000:]!r}"
        ready, _, _ = select.select([proc.stderr], [], [], left)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 65536)
            assert chunk, f"server exited: {buffer[-2000:]!r}"
            buffer += chunk


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_commands_server_upgrades_schema_and_serves(db_url):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "server", "--db", db_url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _await_line(proc, b"Application startup complete", timeout=60)
        r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert r.json() == {"status": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()
