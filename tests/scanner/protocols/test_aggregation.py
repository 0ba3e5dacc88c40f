from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scanner.events import RawRead
from scanner.protocols.aggregation import AggregationConfig, Aggregator, Sighting

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EPC = "E28011606000020A1B2C3D4E"


def _read(now: float, epc: str = EPC, antenna: int | None = 1, rssi: float | None = -60.0):
    return RawRead(
        code=epc,
        source="rfid",
        symbology="epc",
        wall=T0 + timedelta(seconds=now),
        mono_ns=int(now * 1e9),
        antenna=antenna,
        rssi=rssi,
    )


def _run(agg: Aggregator, reads: list[tuple[float, RawRead]], until: float, step: float = 0.1):
    """Feed reads in time order, ticking every `step`; return (close time, sighting) pairs."""
    out: list[tuple[float, Sighting]] = []
    i = 0
    t = 0.0
    while t <= until:
        while i < len(reads) and reads[i][0] <= t:
            out += [(t, s) for s in agg.feed(reads[i][1], t)]
            i += 1
        out += [(t, s) for s in agg.tick(t)]
        t = round(t + step, 6)
    return out


def test_aggregator_one_sighting_per_dwell_window():
    agg = Aggregator(AggregationConfig(), {})
    reads = [(i / 10, _read(i / 10, rssi=-70.0 + i)) for i in range(21)]  # 0.0 .. 2.0 s
    out = _run(agg, reads, until=5.0)
    assert len(out) == 1
    closed_at, s = out[0]
    assert 3.0 <= closed_at <= 3.1  # dwell_s after the last read
    assert s.epc == EPC
    assert s.antenna == 1
    assert s.read_count == 21
    assert s.rssi == -50.0
    assert s.first_seen == T0
    assert s.last_seen == T0 + timedelta(seconds=2)
    assert s.mono_ns == 2_000_000_000
    assert s.direction is None


def test_aggregator_gap_longer_than_dwell_splits_sightings():
    agg = Aggregator(AggregationConfig(dwell_s=1.0), {})
    reads = [(t, _read(t)) for t in (0.0, 0.5, 2.0, 2.5)]
    out = _run(agg, reads, until=5.0)
    assert [s.read_count for _, s in out] == [2, 2]


def test_aggregator_antennas_get_separate_sightings():
    agg = Aggregator(AggregationConfig(), {})
    reads = [(0.0, _read(0.0, antenna=1)), (0.1, _read(0.1, antenna=2))]
    out = _run(agg, reads, until=3.0)
    assert sorted(s.antenna or 0 for _, s in out) == [1, 2]


def test_aggregator_parked_tag_is_reported_every_still_here_not_flooded():
    cfg = AggregationConfig(dwell_s=1.0, max_window_s=10.0, still_here_s=60.0)
    agg = Aggregator(cfg, {})
    reads = [(i / 2, _read(i / 2)) for i in range(0, 2 * 200)]  # 0 .. 199.5 s, 2 reads/s
    out = _run(agg, reads, until=205.0, step=0.5)
    times = [round(t, 1) for t, _ in out]
    # max window at 10 s, still here at 70 s and 130 s and 190 s, the rest when it leaves
    assert times == [10.0, 70.0, 130.0, 190.0, 200.5]
    assert sum(s.read_count for _, s in out) == 400
    assert agg.open_windows() == 0


def test_aggregator_drops_reads_below_rssi_floor_and_counts_them():
    agg = Aggregator(AggregationConfig(rssi_floor=-65.0), {})
    reads = [(0.0, _read(0.0, rssi=-70.0)), (0.1, _read(0.1, rssi=-60.0))]
    reads.append((0.2, _read(0.2, rssi=None)))
    out = _run(agg, reads, until=2.0)
    assert agg.dropped_below_floor == 1
    assert [s.read_count for _, s in out] == [2]
    assert out[0][1].rssi == -60.0


def test_aggregator_flush_reports_everything_open():
    agg = Aggregator(AggregationConfig(), {})
    agg.feed(_read(0.0), 0.0)
    agg.feed(_read(0.0, epc="AA" * 12), 0.0)
    out = agg.flush(0.1)
    assert sorted(s.epc for s in out) == sorted([EPC, "AA" * 12])
    assert agg.open_windows() == 0


def test_aggregator_memory_bounded_after_tags_leave():
    agg = Aggregator(AggregationConfig(), {1: "out", 2: "in"})
    for i in range(500):
        agg.feed(_read(0.0, epc=f"{i:024X}", antenna=1 + i % 2), 0.0)
    assert agg.open_windows() == 500
    agg.tick(2.0)
    agg.tick(60.0)
    assert agg.open_windows() == 0
    assert len(agg._portal) == 0


def test_sighting_to_draft_carries_the_wire_fields():
    s = Sighting(EPC, 2, T0, T0 + timedelta(seconds=3), 7, -51.5, 123, "in")
    d = s.to_draft("boot-1", "WH1-DOCK3", None)
    wire = d.to_wire(5)
    assert wire["type"] == "sighting"
    assert wire["source"] == "rfid"
    assert wire["symbology"] == "epc"
    assert wire["code"] == EPC
    assert wire["observed_at"] == (T0 + timedelta(seconds=3)).isoformat()
    assert (wire["antenna"], wire["rssi"], wire["read_count"]) == (2, -51.5, 7)
    assert wire["first_seen"] == T0.isoformat()
    assert (wire["direction"], wire["read_point"], wire["location"]) == ("in", "WH1-DOCK3", None)
    assert (wire["boot_id"], wire["mono_ns"]) == ("boot-1", 123)


@given(
    st.lists(
        st.tuples(
            st.floats(0, 0.8),
            st.sampled_from(["A1" * 12, "B2" * 12, "C3" * 12]),
            st.sampled_from([1, 2, None]),
            st.one_of(st.none(), st.floats(-90, -30)),
        ),
        max_size=200,
    ),
    st.one_of(st.none(), st.floats(-80, -40)),
)
def test_aggregator_counts_every_accepted_read_exactly_once(steps, floor):
    cfg = AggregationConfig(dwell_s=1.0, max_window_s=3.0, still_here_s=5.0, rssi_floor=floor)
    agg = Aggregator(cfg, {1: "out", 2: "in"})
    now = 0.0
    total = 0
    sightings: list[Sighting] = []
    for dt, epc, antenna, rssi in steps:
        now += dt
        sightings += agg.tick(now)
        sightings += agg.feed(_read(now, epc=epc, antenna=antenna, rssi=rssi), now)
        total += 1
    sightings += agg.flush(now)
    assert agg.accepted + agg.dropped_below_floor == total
    assert sum(s.read_count for s in sightings) == agg.accepted
    assert agg.open_windows() == 0
    for s in sightings:
        assert s.first_seen <= s.last_seen
        assert floor is None or s.rssi is None or s.rssi >= floor
