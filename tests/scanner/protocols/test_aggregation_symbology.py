"""The aggregator keeps a read's symbology (epc or iso-uii) through to the outbox event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scanner.events import RawRead
from scanner.protocols.aggregation import AggregationConfig, Aggregator, Sighting

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
UII = "3414257BF400000000BC6038"
EPC = "E28011606000020A1B2C3D4E"


def _read(now: float, code: str, symbology: str | None) -> RawRead:
    return RawRead(
        code=code,
        source="rfid",
        symbology=symbology,
        wall=T0 + timedelta(seconds=now),
        mono_ns=int(now * 1e9),
        antenna=1,
        rssi=-60.0,
    )


def test_aggregation_iso_uii_reads_give_an_iso_uii_sighting_event():
    agg = Aggregator(AggregationConfig(), {})
    for t in (0.0, 0.2, 0.4):
        assert agg.feed(_read(t, UII, "iso-uii"), t) == []
        assert agg.feed(_read(t, EPC, "epc"), t) == []
    out = {s.epc: s for s in agg.tick(2.0)}
    assert out[UII].symbology == "iso-uii" and out[UII].read_count == 3
    assert out[EPC].symbology == "epc"
    wire = out[UII].to_draft("boot-1", "dock-1", None).to_wire(7)
    assert wire["symbology"] == "iso-uii"
    assert wire["code"] == UII
    assert out[EPC].to_draft("boot-1", None, None).to_wire(8)["symbology"] == "epc"


def test_aggregation_sighting_symbology_defaults_to_epc():
    s = Sighting(
        epc=EPC, antenna=1, first_seen=T0, last_seen=T0, read_count=1, rssi=None, mono_ns=0
    )
    assert s.to_draft("boot-1", None, None).symbology == "epc"
    agg = Aggregator(AggregationConfig(), {})
    agg.feed(_read(0.0, EPC, None), 0.0)  # a driver that gives no symbology: still an EPC
    assert [x.symbology for x in agg.flush(0.5)] == ["epc"]
