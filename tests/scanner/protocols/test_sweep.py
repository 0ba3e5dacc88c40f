from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scanner.events import EventDraft
from scanner.protocols.control import OpenAudit
from scanner.protocols.sweep import SweepJudge, SweepStamp, WeakConfig

CFG = WeakConfig(rssi_dbm=-65.0, read_fraction=0.25, min_tags=3)
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_sweep_neighbour_read_faintly_and_rarely_is_weak():
    judge = SweepJudge(CFG)
    for code in ("A", "B", "C"):
        assert judge.judge(code, -50.0, 40) is False
    assert judge.judge("NEIGHBOUR", -78.0, 3) is True


def test_sweep_faint_but_often_read_tag_is_not_weak():
    judge = SweepJudge(CFG)
    for code in ("A", "B", "C"):
        judge.judge(code, -50.0, 40)
    assert judge.judge("LOW-SHELF", -70.0, 30) is False  # few reads AND low RSSI, not one


def test_sweep_strong_but_rare_tag_is_not_weak():
    judge = SweepJudge(CFG)
    for code in ("A", "B", "C"):
        judge.judge(code, -50.0, 40)
    assert judge.judge("PASSED-QUICKLY", -52.0, 2) is False


def test_sweep_small_sweep_has_no_median_and_low_rssi_decides():
    judge = SweepJudge(CFG)
    assert judge.judge("FIRST", -80.0, 50) is True
    assert judge.judge("SECOND", -40.0, 1) is False


def test_sweep_tag_read_strongly_once_stays_counted():
    judge = SweepJudge(CFG)
    for code in ("A", "B", "C"):
        judge.judge(code, -50.0, 40)
    assert judge.judge("X", -80.0, 1) is True
    assert judge.judge("X", -55.0, 1) is False  # came close: peak above the threshold
    assert judge.judge("X", -80.0, 1) is False


def test_sweep_without_threshold_or_rssi_nothing_is_weak():
    assert SweepJudge(WeakConfig()).judge("A", -99.0, 1) is False
    assert SweepJudge(CFG).judge("A", None, 1) is False


@given(st.lists(st.tuples(st.sampled_from("ABCDE"), st.floats(-90, -30), st.integers(1, 50))))
def test_sweep_weak_only_below_the_rssi_threshold(reads):
    judge = SweepJudge(CFG)
    peak: dict[str, float] = {}
    for code, rssi, count in reads:
        peak[code] = max(peak.get(code, -999.0), rssi)
        if judge.judge(code, rssi, count):
            assert peak[code] < -65.0


def draft(code: str, rssi: float, reads: int) -> EventDraft:
    return EventDraft(
        type="sighting",
        code=code,
        source="rfid",
        observed_at=T0,
        boot_id="b",
        mono_ns=1,
        location="STATION",
        rssi=rssi,
        read_count=reads,
    )


def test_sweep_stamp_joins_the_open_audit_and_restarts_the_judge_per_audit():
    stamp = SweepStamp(CFG)
    assert stamp.stamp(draft("A", -80, 1), None).audit_id is None
    first = stamp.stamp(draft("A", -80, 1), (OpenAudit("a1", "WH1"), "WH1-B"))
    assert (first.audit_id, first.location, first.weak) == ("a1", "WH1-B", True)
    stamp.stamp(draft("A", -40, 1), (OpenAudit("a1", "WH1"), None))
    again = stamp.stamp(draft("A", -80, 1), (OpenAudit("a2", "WH2"), None))
    assert (again.audit_id, again.location, again.weak) == ("a2", "WH2", True)
