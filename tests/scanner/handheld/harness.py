"""A handheld station for the screen tests: a real agent with a simulated wand on a pty, and
the server's audit and sync endpoints answered at the HTTP transport (the real server is in
tests/e2e/test_audit_walk.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from scanner.settings import load_station

EPC_3 = "epc/E28011606000020A1B2C3D4E"
EPC_NEXT_DOOR = "epc/E28011606000020A1B2C3D99"
EXPECTED = {
    "WH1": [
        {"asset_tag": "AST-1", "name": "Drill", "location": "WH1", "keys": ["tag/AST-1"]},
        {"asset_tag": "AST-2", "name": "Ladder", "location": "WH1", "keys": ["tag/AST-2"]},
        {"asset_tag": "AST-3", "name": "Pump", "location": "WH1-A", "keys": ["tag/AST-3", EPC_3]},
    ]
}
SCOPES = {"WH1": ["WH1", "WH1-A"]}
IDENTITIES = [
    {"key": f"tag/{a['asset_tag']}", **{k: a[k] for k in ("asset_tag", "name", "location")}}
    for a in EXPECTED["WH1"]
] + [
    {"key": "tag/AST-9", "asset_tag": "AST-9", "name": "Forklift", "location": "YARD"},
    {"key": EPC_NEXT_DOOR, "asset_tag": "AST-10", "name": "Safe", "location": "WH2"},
]


class FakeServer:
    """Answers identities, expected lists and sync batches; `up = False` refuses connections."""

    def __init__(self) -> None:
        self.up = True
        self.events: dict[int, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/api/v1/identities":
            return httpx.Response(200, json={"identities": IDENTITIES})
        if path.startswith("/api/v1/locations/") and path.endswith("/expected"):
            code = path.split("/")[4]
            if code not in EXPECTED:
                return httpx.Response(404, json={"detail": f"no location {code}"})
            body = {"location": code, "scope": SCOPES[code], "assets": EXPECTED[code]}
            return httpx.Response(200, json={**body, "as_of": "2026-11-25T12:00:00+00:00"})
        if path == "/api/v1/sync/batches":
            return self._sync(json.loads(request.content))
        return httpx.Response(200, json={})

    def _sync(self, body: dict[str, Any]) -> httpx.Response:
        for event in body["events"]:
            self.events.setdefault(event["seq"], event)
        return httpx.Response(
            200,
            json={
                "hwm": max(self.events, default=0),
                "inserted": len(body["events"]),
                "duplicates": 0,
                "rejected": [],
                "server_time": "2026-11-25T12:00:00+00:00",
            },
        )

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for _, e in sorted(self.events.items()) if e["type"] == kind]


def station_file(tmp_path: Path, sources: str, extra: str = "") -> Path:
    (tmp_path / "device.token").write_text("tok\n")
    path = tmp_path / "station.toml"
    path.write_text(
        '[station]\ndevice_id = "hh-1"\nserver = "http://sync.test"\n'
        'token_file = "device.token"\nqueue = "var/queue.db"\nsync_interval_s = 0.05\n'
        f"{extra}\n[audit]\nundo_window_s = 30\ndownload_timeout_s = 1\n{sources}",
        encoding="utf-8",
    )
    return path


def wand(port: str) -> str:
    return f'[[sources]]\nprofile = "generic-serial-wand"\nport = "{port}"\n'


def uhf(port: str) -> str:
    return f'[[sources]]\nprofile = "sparkfun-m6e-nano"\nport = "{port}"\ndwell_s = 0.2\n'


def load(path: Path) -> Any:
    return load_station(path)
