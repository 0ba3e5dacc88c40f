"""A small warehouse for the audit tests: WH1 with zones A and B, an office outside it, and
assets placed so that a walk finds, relocates, misses, and meets foreign and unknown items."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.sync_server.conftest import T0, batch, bearer, event

EPC_A6 = "3034257BF7194E4000001A85"  # an SGTIN-96 on asset A6 (key 01/80614141123458/21/6789)
LOCATIONS = (
    {"code": "WH1", "name": "Warehouse 1"},
    {"code": "WH1-A", "name": "Zone A", "parent": "WH1"},
    {"code": "WH1-B", "name": "Zone B", "parent": "WH1", "gln": "4012345000016"},
    {"code": "OFFICE", "name": "Office"},
)
HOMES = {"A1": "WH1-A", "A2": "WH1-A", "A3": "WH1-B", "A4": "OFFICE", "A5": "WH1-A", "A6": "WH1-B"}


async def build(server: Any) -> dict[str, str]:
    """The locations and assets; returns the admin's headers."""
    admin = bearer(server.user_token("root", "admin"))
    c = server.client
    for place in LOCATIONS:
        r = await c.post("/api/v1/locations", json=place, headers=admin)
        assert r.status_code == 201, r.text
    for tag, home in HOMES.items():
        body: dict[str, Any] = {"asset_tag": tag, "name": f"Thing {tag}", "home_location": home}
        body["barcode"] = tag
        if tag == "A6":
            body["epc"] = EPC_A6
        r = await c.post("/api/v1/assets", json=body, headers=admin)
        assert r.status_code == 201, r.text
    return admin


def walk(audit_id: str, start_seq: int = 1) -> list[dict[str, Any]]:
    """The walk's reads: A1 where expected, A2 in the other zone, A4 from the office, an
    unknown label, A3 read only weakly through the wall, A6 by its RFID tag; A5 is not there."""
    reads = [
        ("A1", "WH1-A", "wand", None),
        ("A2", "WH1-B", "wand", None),
        ("A4", "WH1-A", "wand", None),
        ("MYSTERY-9", "WH1-B", "wand", None),
        ("A3", "WH1-A", "rfid", True),
        (EPC_A6, "WH1-B", "rfid", False),
    ]
    out = []
    for i, (code, loc, source, weak) in enumerate(reads):
        fields: dict[str, Any] = {"location": loc, "source": source, "audit_id": audit_id}
        fields["operator"] = "EMP-7"
        fields["observed_at"] = (T0 + timedelta(seconds=10 + i)).isoformat()
        if source == "rfid":
            fields.update(symbology="epc", rssi=-71.0 if weak else -48.0, read_count=3, weak=weak)
            if code == "A3":
                fields["source"], fields["symbology"] = "wand", None  # label read, flagged weak
        out.append(event(start_seq + i, code, **fields))
    return out


TRUTH = {
    "found": ["A1", "A2", "A6"],
    "missing": ["A3", "A5"],
    "unexpected": ["A4"],
    "unknown_codes": ["MYSTERY-9"],
}


async def sync(
    server: Any, token: str, device: str, events: list[dict[str, Any]]
) -> dict[str, Any]:
    """Send one batch on a new stream; every event must be inserted."""
    r = await server.client.post(
        "/api/v1/sync/batches", json=batch(device, events), headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["rejected"] == [], body
    return body


def offline_audit(location: str = "WH1") -> tuple[str, list[dict[str, Any]]]:
    """An audit opened, walked and closed on a station with no network, as one stream."""
    audit_id = str(uuid.uuid4())
    opened = event(
        1, location, type="audit_open", source="manual", location=location, audit_id=audit_id
    )
    opened["observed_at"] = (T0 + timedelta(seconds=5)).isoformat()
    opened["operator"] = "EMP-7"
    reads = walk(audit_id, start_seq=2)
    closed = event(len(reads) + 2, audit_id, type="audit_close", source="manual")
    closed.update(audit_id=audit_id, observed_at=(T0 + timedelta(seconds=60)).isoformat())
    return audit_id, [opened, *reads, closed]
