"""The dock-door movement log through the API: crossings only, newest first, filters by door,
direction, time range and asset, in/out counts, paging, CSV, roles and bad input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from sync_server.services.movements import CSV_COLUMNS, MovementOut, csv_lines
from tests.sync_server.conftest import T0, Server, batch, bearer, event

EPC = {"P1": "3034257BF400B78000000001", "P2": "3034257BF400B78000000002"}
UNKNOWN_EPC = "E2801160600002041F58A84B"


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def _portal(seq: int, code: str, door: str, direction: str | None, minute: int) -> dict[str, Any]:
    return event(
        seq, code, source="rfid", symbology="epc", read_point=door, direction=direction,
        antenna=2 if direction == "in" else 1, rssi=-51.5, read_count=7, observed_at=_at(minute),
    )  # fmt: skip


async def _world(server: Server) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    c = server.client
    for body in (
        {"code": "WH1", "name": "Warehouse 1"},
        {"code": "YARD", "name": "Yard"},
        {"code": "DOCK3", "location": "WH1", "inside": "WH1", "outside": "YARD"},
        {"code": "DOCK4", "location": "WH1", "inside": "WH1", "outside": "YARD"},
    ):
        path = "read-points" if "inside" in body else "locations"
        assert (await c.post(f"/api/v1/{path}", json=body, headers=admin)).status_code == 201
    for tag, epc in EPC.items():
        body = {"asset_tag": tag, "name": f"=Pallet {tag}", "epc": epc}
        assert (await c.post("/api/v1/assets", json=body, headers=admin)).status_code == 201
    events = [
        _portal(1, EPC["P1"], "DOCK3", "in", 0),
        _portal(2, EPC["P2"], "DOCK3", "in", 1),
        _portal(3, EPC["P1"], "DOCK3", None, 2),  # a read at the door that crossed nothing
        _portal(4, EPC["P1"], "DOCK3", "out", 10),
        _portal(5, UNKNOWN_EPC, "DOCK4", "in", 20),
        _portal(6, EPC["P2"], "DOCK4", "out", 30),
        event(7, "P1", location="WH1", observed_at=_at(40)),  # a wand read, no door
    ]
    token = server.enroll("dock-reader", "DOCK3")
    r = await c.post(
        "/api/v1/sync/batches", json=batch("dock-reader", events), headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["inserted"] == 7, r.text
    return admin


async def _get(server: Server, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await server.client.get("/api/v1/movements", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _summary(body: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(m["door"], m["direction"], m["asset_tag"]) for m in body["items"]]


async def test_movements_lists_crossings_newest_first_with_evidence(server: Server) -> None:
    admin = await _world(server)
    body = await _get(server, admin)
    assert (body["total"], body["ins"], body["outs"]) == (5, 3, 2)
    assert _summary(body) == [
        ("DOCK4", "out", "P2"), ("DOCK4", "in", None), ("DOCK3", "out", "P1"),
        ("DOCK3", "in", "P2"), ("DOCK3", "in", "P1"),
    ]  # fmt: skip
    newest_in = body["items"][3]
    assert newest_in["location"] == "WH1"  # in: the door's inside
    assert body["items"][2]["location"] == "YARD"  # out: its outside
    assert newest_in["device_id"] == "dock-reader" and newest_in["antenna"] == 2
    assert newest_in["rssi"] == -51.5 and newest_in["read_count"] == 7
    assert newest_in["time"].startswith("2026-03-01T12:01:00")
    unknown = body["items"][1]
    assert unknown["code"] == UNKNOWN_EPC and unknown["asset_name"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"door": "DOCK3"}, [("DOCK3", "out", "P1"), ("DOCK3", "in", "P2"), ("DOCK3", "in", "P1")]),
        ({"direction": "out"}, [("DOCK4", "out", "P2"), ("DOCK3", "out", "P1")]),
        ({"asset": "P2"}, [("DOCK4", "out", "P2"), ("DOCK3", "in", "P2")]),
        ({"since": _at(1), "until": _at(20)}, [("DOCK3", "out", "P1"), ("DOCK3", "in", "P2")]),
        ({"since": "2026-03-01T12:20:00"}, [("DOCK4", "out", "P2"), ("DOCK4", "in", None)]),
        ({"door": "DOCK4", "direction": "in"}, [("DOCK4", "in", None)]),
        ({"door": "NO-SUCH-DOOR"}, []),
    ],
)
async def test_movements_filters(server: Server, params: dict[str, str], expected) -> None:
    admin = await _world(server)
    body = await _get(server, admin, **params)
    assert _summary(body) == expected
    assert body["total"] == len(expected)


async def test_movements_pages_keep_the_total(server: Server) -> None:
    admin = await _world(server)
    first = await _get(server, admin, limit=2)
    rest = await _get(server, admin, limit=2, offset=2)
    assert first["total"] == rest["total"] == 5
    assert _summary(first) + _summary(rest) == _summary(await _get(server, admin))[:4]


async def test_movements_csv_has_every_row_and_defuses_formulas(server: Server) -> None:
    admin = await _world(server)
    r = await server.client.get("/api/v1/movements.csv", params={"door": "DOCK3"}, headers=admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="movements.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["direction"], x["asset_tag"]) for x in rows] == [
        ("out", "P1"), ("in", "P2"), ("in", "P1")
    ]  # fmt: skip
    assert rows[0]["time"] == "2026-03-01T12:10:00Z" and rows[0]["location"] == "YARD"
    assert rows[0]["asset_name"] == "'=Pallet P1"  # a spreadsheet shows it, never runs it
    assert rows[0]["rssi"] == "-51.5" and rows[0]["antenna"] == "1"
    assert tuple(rows[0]) == CSV_COLUMNS


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"direction": "sideways"}, 422),
        ({"since": "yesterday"}, 422),
        ({"since": _at(10), "until": _at(5)}, 422),
        ({"asset": "NOPE"}, 404),
        ({"door": "a\x00b"}, 422),
        ({"limit": 0}, 422),
    ],
)
async def test_movements_bad_filters_are_4xx(server: Server, params, status: int) -> None:
    admin = await _world(server)
    paths = ["/api/v1/movements"] + ([] if "limit" in params else ["/api/v1/movements.csv"])
    for path in paths:
        r = await server.client.get(path, params=params, headers=admin)
        assert r.status_code == status, r.text
        assert "detail" in r.json()


async def test_movements_need_a_signed_in_person(server: Server) -> None:
    await _world(server)
    assert (await server.client.get("/api/v1/movements")).status_code == 401
    device = bearer(server.enroll("other-reader"))
    assert (await server.client.get("/api/v1/movements.csv", headers=device)).status_code == 401
    viewer = bearer(server.user_token("vera", "viewer"))
    assert (await _get(server, viewer))["total"] == 5


def test_csv_lines_streams_in_chunks_with_one_header() -> None:
    from datetime import UTC, datetime

    row = MovementOut(
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), door="D", direction="in",
        asset_tag="A,1", asset_name='say "hi"', code="C", location=None, device_id="dev",
        antenna=None, rssi=None, read_count=1,
    )  # fmt: skip
    chunks = list(csv_lines([row] * 3000))
    assert len(chunks) > 1
    rows = list(csv.reader(io.StringIO("".join(chunks))))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 3001
    assert rows[1] == [
        "2026-01-02T03:04:05Z",
        "D",
        "in",
        "A,1",
        'say "hi"',
        "C",
        "",
        "dev",
        "",
        "",
        "1",
    ]
