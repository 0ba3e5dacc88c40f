"""A scripted walk-through of two rooms: a wand operator scans labels, a UHF handheld sweeps
tags (reading a neighbour room's tags weakly through the wall). The server's reconciliation
equals the script's ground truth online (POST /audits, two devices) and fully offline
(audit_open / audit_close from the station), and equals the handheld's own live view computed
with the shared reconcile from what it downloaded (expected list and identities)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.audits import AuditRead, ExpectedAsset, Registered, reconcile
from shared.identifiers import identify
from tests.sync_server.api.audit_world import sync
from tests.sync_server.conftest import T0, bearer, event


def _giai96(serial: int) -> str:
    value = (0x34 << 88) | (1 << 85) | (5 << 82) | (614141 << 58) | serial  # GIAI-96, 0614141
    return f"{value:024X}"


@dataclass(frozen=True)
class Item:
    """One thing in the script: where it is registered, where it really is, how it is read."""

    tag: str | None  # None: an unregistered label
    home: str | None
    truth: str  # found | relocated | missing | unexpected | unknown | weak | weak-missing
    seen_in: str | None = None
    code: str | None = None  # what is read (the tag itself if None)
    rfid: bool = False


ITEMS = [
    Item("D1", "ROOM-1", "found", "ROOM-1"),
    Item("D2", "ROOM-1", "found", "ROOM-1", code=_giai96(2), rfid=True),
    Item("D3", "ROOM-2", "found", "ROOM-2"),
    Item("D4", "ROOM-1", "relocated", "ROOM-2"),  # misplaced inside the audited floor
    Item("D5", "ROOM-2", "relocated", "ROOM-1", code=_giai96(5), rfid=True),
    Item("D6", "ROOM-1", "missing"),
    Item("D7", "ROOM-2", "missing"),
    Item("D8", "STORE", "unexpected", "ROOM-1"),  # foreign: belongs to the store
    Item("D9", "STORE", "unexpected", "ROOM-2", code=_giai96(9), rfid=True),
    Item(None, None, "unknown", "ROOM-1", code="NOLABEL-77"),
    Item(None, None, "unknown", "ROOM-2", code=_giai96(999), rfid=True),
    Item("D10", "ROOM-2", "weak-missing", "ROOM-1", code=_giai96(10), rfid=True),
    Item("N1", "NEXT-DOOR", "weak", "ROOM-2", code=_giai96(11), rfid=True),  # through the wall
    Item(None, None, "ignored", "ROOM-2", code=_giai96(998), rfid=True),  # weak unknown: nothing
]
PLACES = [
    ("FLOOR", None),
    ("ROOM-1", "FLOOR"),
    ("ROOM-2", "FLOOR"),
    ("STORE", None),
    ("NEXT-DOOR", None),
]


def ground_truth() -> dict[str, Any]:
    """What the script says the audit of FLOOR must answer."""
    tags = {
        name: sorted(i.tag for i in ITEMS if i.truth in kinds and i.tag)
        for name, kinds in (
            ("found", ("found", "relocated")),
            ("missing", ("missing", "weak-missing")),
            ("unexpected", ("unexpected",)),
            ("relocated", ("relocated",)),
            ("weak", ("weak-missing", "weak")),
        )
    }
    tags["unknown_codes"] = sorted(i.code for i in ITEMS if i.truth == "unknown" and i.code)
    return tags


async def _register(server: Any) -> dict[str, str]:
    admin = bearer(server.user_token("root", "admin"))
    for code, parent in PLACES:
        body = {"code": code, "name": code, **({"parent": parent} if parent else {})}
        assert (
            await server.client.post("/api/v1/locations", json=body, headers=admin)
        ).status_code == 201
    for item in ITEMS:
        if item.tag is None:
            continue
        asset: dict[str, Any] = {
            "asset_tag": item.tag,
            "name": f"Desk {item.tag}",
            "home_location": item.home,
            "barcode": item.tag,
        }
        if item.rfid:
            asset["epc"] = item.code
        r = await server.client.post("/api/v1/assets", json=asset, headers=admin)
        assert r.status_code == 201, r.text
    return admin


def _reads(audit_id: str, first_seq: int = 1) -> list[dict[str, Any]]:
    """The walk as wire events: LOC labels set the location; RFID sightings carry peak RSSI
    and the edge's weak flag."""
    out = []
    for n, item in enumerate(i for i in ITEMS if i.seen_in is not None):
        weak = item.truth in ("weak", "weak-missing", "ignored")
        fields: dict[str, Any] = {
            "location": item.seen_in,
            "audit_id": audit_id,
            "operator": "EMP-1",
            "observed_at": (T0 + timedelta(seconds=30 + n)).isoformat(),
        }
        if item.rfid:
            fields.update(
                source="rfid",
                symbology="epc",
                rssi=-74.0 if weak else -45.0,
                read_count=2 if weak else 25,
                weak=weak,
            )
        out.append(event(first_seq + n, item.code or item.tag or "", **fields))
    return out


def _contract(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: rec[k] for k in ("found", "missing", "unexpected", "unknown_codes")}
    out["relocated"] = [r["asset_tag"] for r in rec["relocated"]]
    out["weak"] = [r["asset_tag"] for r in rec["weak"]]
    return out


async def _reconciliation(server: Any, admin: dict[str, str], audit_id: str) -> dict[str, Any]:
    r = await server.client.get(f"/api/v1/audits/{audit_id}/reconciliation", headers=admin)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_walkthrough_online_with_two_devices_equals_the_script(server):
    admin = await _register(server)
    audit = (
        await server.client.post("/api/v1/audits", json={"location": "FLOOR"}, headers=admin)
    ).json()
    events = _reads(audit["id"])
    wand = [e for e in events if e["source"] == "wand"]
    sweep = [dict(e, seq=i + 1) for i, e in enumerate(e for e in events if e["source"] == "rfid")]
    await sync(
        server, server.enroll("wand-1"), "wand-1", [dict(e, seq=i + 1) for i, e in enumerate(wand)]
    )
    await sync(server, server.enroll("uhf-1"), "uhf-1", sweep)
    rec = await _reconciliation(server, admin, audit["id"])
    assert _contract(rec) == ground_truth()
    moved = {r["asset_tag"]: (r["expected_location"], r["seen_location"]) for r in rec["relocated"]}
    assert moved == {"D4": ("ROOM-1", "ROOM-2"), "D5": ("ROOM-2", "ROOM-1")}
    found = {r["asset_tag"]: r["evidence"]["device_id"] for r in rec["details"]["found"]}
    assert (found["D1"], found["D2"]) == ("wand-1", "uhf-1")
    foreign = {r["asset_tag"]: r["expected_location"] for r in rec["details"]["unexpected"]}
    assert foreign == {"D8": "STORE", "D9": "STORE"}
    await server.client.post(f"/api/v1/audits/{audit['id']}/close", headers=admin)
    assert _contract(await _reconciliation(server, admin, audit["id"])) == ground_truth()


async def test_walkthrough_offline_equals_the_script_and_the_handheld_view(server):
    admin = await _register(server)
    device = server.enroll("hh-1")
    # What the handheld downloaded before going offline.
    expected = (
        await server.client.get("/api/v1/locations/FLOOR/expected", headers=bearer(device))
    ).json()
    identities = (await server.client.get("/api/v1/identities", headers=bearer(device))).json()
    audit_id = str(uuid.uuid4())
    opened = event(
        1,
        "FLOOR",
        type="audit_open",
        source="manual",
        location="FLOOR",
        audit_id=audit_id,
        operator="EMP-1",
        observed_at=(T0 + timedelta(seconds=20)).isoformat(),
    )
    reads = _reads(audit_id, first_seq=2)
    closed = event(
        len(reads) + 2,
        audit_id,
        type="audit_close",
        source="manual",
        audit_id=audit_id,
        observed_at=(T0 + timedelta(minutes=5)).isoformat(),
    )
    events = [opened, *reads, closed]
    await sync(server, device, "hh-1", events[:5])  # it syncs in two goes when it is back
    rest = events[5:]
    r = await server.client.post(
        "/api/v1/sync/batches",
        json={
            "wire_version": 1,
            "batch_id": str(uuid.uuid4()),
            "device_id": "hh-1",
            "stream_id": _stream_of(server),
            "clock": {"boot_id": "b", "mono_ns": 1, "wall": T0.isoformat()},
            "events": rest,
        },
        headers=bearer(device),
    )
    assert r.status_code == 200 and r.json()["rejected"] == [], r.text
    audit = (await server.client.get(f"/api/v1/audits/{audit_id}", headers=admin)).json()
    assert audit["status"] == "closed" and audit["origin"] == "device"
    rec = await _reconciliation(server, admin, audit_id)
    assert _contract(rec) == ground_truth()
    assert _contract(_handheld_view(expected, identities, reads)) == ground_truth()


def _stream_of(server: Any) -> str:
    from sqlmodel import Session, select

    from sync_server.models import Stream

    with Session(server.engine) as s:
        return s.exec(select(Stream.stream_id).where(Stream.device_id == "hh-1")).one()


def _handheld_view(
    expected: dict[str, Any], identities: dict[str, Any], reads: list[dict[str, Any]]
) -> dict[str, Any]:
    """The handheld's live view: the shared reconcile over its downloaded lists."""
    exp = [
        ExpectedAsset(a["asset_tag"], tuple(a["keys"]), a["location"], a["name"])
        for a in expected["assets"]
    ]
    known = {
        i["key"]: Registered(i["asset_tag"], i["location"], i["name"])
        for i in identities["identities"]
    }
    audit_reads = [
        AuditRead(
            identify(e["code"], e.get("symbology")).key,
            e["code"],
            e["location"],
            e["source"],
            T0,
            "hh-1",
            e.get("operator"),
            e.get("rssi"),
            e.get("read_count", 1),
            bool(e.get("weak")),
        )
        for e in reads
    ]
    return reconcile(exp, audit_reads, known, set(expected["scope"])).to_json()
