"""`scanstation demo` as a user runs it: a real process, checked through the public API."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scanner import demo_data

pytestmark = pytest.mark.timeout(240)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_demo_wand_and_dock_door_reach_the_server_and_stop_cleanly(tmp_path: Path):
    port = _free_port()
    out = tmp_path / "demo.out"
    with out.open("wb") as sink, contextlib.ExitStack() as stack:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scanner", "demo", "--port", str(port), "--workdir",
             str(tmp_path / "work")],
            stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
        try:
            banner = _wait_for(
                lambda: re.search(r"API token: (\S+?)\)", out.read_text()), 120, "the banner"
            )
            assert re.search(r"sign in as admin / \S+", out.read_text())
            api = httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {banner.group(1)}"},
            )
            stack.callback(api.close)
            assert api.get("/api/v1/assets", params={"limit": 1}).json()["total"] == 200

            def seen(tag: str) -> dict[str, Any] | None:
                body = api.get(f"/api/v1/assets/{tag}").json()
                return body if body["last_seen"] else None

            wand_assets = [a for a in demo_data.assets() if not a.rfid]
            _wait_for(lambda: any(seen(a.asset_tag) for a in wand_assets[:40]), 90, "a wand scan")
            first_pallet = next(a for a in demo_data.assets() if a.rfid)
            moved = _wait_for(lambda: seen(first_pallet.asset_tag), 90, "the dock door")
            assert moved["last_seen"]["read_point"] == "WH1-DOCK3"
            assert moved["last_seen"]["source"] == "rfid"
            history = api.get(f"/api/v1/assets/{first_pallet.asset_tag}/history").json()
            assert {e["direction"] for e in history["events"]} <= {"in", "out", None}
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(60) == 0, out.read_text()
    assert "stopping" in out.read_text()
