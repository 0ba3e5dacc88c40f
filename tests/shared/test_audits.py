"""The shared reconciliation: each category's rule and evidence choice (its speed is measured
by bench/bench_audit.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.audits import AuditRead, ExpectedAsset, Registered, reconcile

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _read(key: str, loc: str | None, s: int = 0, **kw: object) -> AuditRead:
    return AuditRead(key, key.split("/")[-1], loc, "wand", T0 + timedelta(seconds=s), "d1", **kw)  # type: ignore[arg-type]


EXPECTED = [
    ExpectedAsset("A1", ("tag/A1",), "R1"),
    ExpectedAsset("A2", ("tag/A2",), "R1"),
    ExpectedAsset("A3", ("tag/A3", "epc/AA"), "R2"),
    ExpectedAsset("A5", ("tag/A5",), "R1"),
]
REGISTERED = {"tag/A4": Registered("A4", "OFFICE"), "tag/A9": Registered("A9", "YARD")}


def test_reconcile_each_category():
    reads = [
        _read("tag/A1", "R1"),
        _read("tag/A2", "R2", 1),
        _read("tag/A4", "R1", 2),
        _read("tag/X", "R1", 3),
        _read("epc/AA", "R1", 4, weak=True, rssi=-70.0),
        _read("tag/A9", "R1", 5, weak=True),
        _read("tag/Y", "R1", 6, weak=True),
    ]
    rec = reconcile(EXPECTED, reads, REGISTERED, {"R", "R1", "R2"})
    body = rec.to_json()
    assert body["found"] == ["A1", "A2"]
    assert body["missing"] == ["A3", "A5"]
    assert body["unexpected"] == ["A4"]
    assert body["unknown_codes"] == ["X"]
    assert [
        (r["asset_tag"], r["expected_location"], r["seen_location"]) for r in body["relocated"]
    ] == [("A2", "R1", "R2")]
    assert [r["asset_tag"] for r in body["weak"]] == ["A3", "A9"]
    assert body["details"]["unexpected"][0]["expected_location"] == "OFFICE"
    assert body["counts"] == {
        "found": 2, "missing": 2, "unexpected": 1, "unknown_codes": 1, "relocated": 1,
        "weak": 2, "expected": 4,
    }  # fmt: skip


def test_reconcile_a_strong_read_beats_weak_ones_and_home_beats_elsewhere():
    reads = [
        _read("epc/AA", "R1", 0, weak=True),
        _read("tag/A3", "R1", 1),
        _read("tag/A3", "R2", 2),
        _read("tag/A3", "R1", 3),
    ]
    rec = reconcile(EXPECTED, reads, {})
    assert [r.asset_tag for r in rec.found] == ["A3"]
    assert rec.relocated == () and rec.weak == ()
    assert rec.found[0].evidence is not None and rec.found[0].evidence.location == "R2"
    assert rec.found[0].reads == 3


def test_reconcile_relocation_outside_the_scope_is_not_relocated():
    rec = reconcile(EXPECTED, [_read("tag/A1", "ELSEWHERE")], {}, {"R1", "R2"})
    assert [r.asset_tag for r in rec.found] == ["A1"] and rec.relocated == ()


def test_reconcile_matches_an_expected_asset_through_a_registered_key():
    # The server matches by asset, not by key: a read resolves to an expected tag.
    rec = reconcile(
        [ExpectedAsset("A1", (), "R1")], [_read("8004/X", "R1")], {"8004/X": Registered("A1")}
    )
    assert [r.asset_tag for r in rec.found] == ["A1"] and rec.unexpected == ()
