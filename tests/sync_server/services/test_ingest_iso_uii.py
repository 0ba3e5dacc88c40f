"""The server stores an iso-uii tag read (PC toggle bit set) as raw-epc, never as a GS1 key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from shared.identifiers import encode_giai
from shared.wire import BatchIn
from sync_server.db import writer
from sync_server.models import Event
from sync_server.services import registry
from sync_server.services.auth import enroll_device
from sync_server.services.ingest import SyncContext, ingest_batch

UII = encode_giai("0614141", "12345400")  # would decode as GIAI-96 under symbology "epc"
BASE = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
CTX = SyncContext(device_id="gate-1", receipt=BASE, error_ns=0, tolerance_ns=30 * 10**9)


def _event(seq: int, symbology: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "type": "sighting",
        "code": UII,
        "source": "rfid",
        "symbology": symbology,
        "observed_at": (BASE - timedelta(minutes=10 - seq)).isoformat(),
        "boot_id": "b1",
        "mono_ns": seq,
        "read_count": 3,
    }


def test_ingest_iso_uii_event_is_raw_epc_even_when_the_hex_decodes_as_giai(engine):
    with Session(writer(engine)) as s:
        registry.create_asset(s, registry.AssetIn(asset_tag="T-1", name="Tagged", epc=UII))
        enroll_device(s, "gate-1")
        s.commit()
    body = {
        "wire_version": 1,
        "batch_id": str(uuid.uuid4()),
        "device_id": "gate-1",
        "stream_id": str(uuid.uuid4()),
        "clock": {"boot_id": "b1", "mono_ns": 10**12, "wall": BASE.isoformat()},
        "events": [_event(1, "iso-uii"), _event(2, "epc")],
    }
    with Session(writer(engine)) as s:
        ack = ingest_batch(s, BatchIn.model_validate(body), CTX)
        s.commit()
    assert ack.rejected == []
    with Session(engine) as s:
        rows = {e.symbology: e for e in s.exec(select(Event)).all()}
    uii = rows["iso-uii"]
    assert (uii.scheme, uii.key, uii.asset_id) == ("raw-epc", f"epc/{UII}", None)
    gs1 = rows["epc"]  # the same hex without the toggle bit is the registered GIAI asset
    assert gs1.scheme == "giai" and gs1.key == "8004/061414112345400"
    assert gs1.asset_id is not None
