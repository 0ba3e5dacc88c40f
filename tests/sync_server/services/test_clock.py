from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_server.services.clock import (
    FLAG_CORRECTED,
    FLAG_FUTURE,
    anchor_from_sync,
    event_time,
    from_ns,
    to_ns,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
TOL = 30 * 10**9


def test_clock_ns_round_trip_keeps_microseconds():
    t = datetime(2026, 5, 4, 12, 0, 1, 123456, tzinfo=UTC)
    assert from_ns(to_ns(t)) == t
    assert to_ns(datetime(1970, 1, 1, tzinfo=UTC)) == 0


def test_clock_wall_time_is_used_when_it_agrees_with_the_anchor():
    anchor = anchor_from_sync(clock_mono_ns=100 * 10**9, receipt=NOW, error_ns=0)
    wall = NOW - timedelta(seconds=60, milliseconds=5)
    when, flag = event_time(wall, 40 * 10**9, anchor, NOW, TOL)
    assert (when, flag) == (wall, None)


def test_clock_a_day_wrong_wall_clock_is_corrected_from_the_monotonic_clock():
    anchor = anchor_from_sync(clock_mono_ns=100 * 10**9, receipt=NOW, error_ns=0)
    wall = NOW - timedelta(days=1)
    when, flag = event_time(wall, 40 * 10**9, anchor, NOW, TOL)
    assert flag == FLAG_CORRECTED
    assert when == NOW - timedelta(seconds=60)
    ahead = NOW + timedelta(days=365)
    assert event_time(ahead, 40 * 10**9, anchor, NOW, TOL) == (
        NOW - timedelta(seconds=60),
        FLAG_CORRECTED,
    )


def test_clock_future_events_are_clamped_to_receipt_and_flagged():
    wall = NOW + timedelta(hours=3)
    assert event_time(wall, 0, None, NOW, TOL) == (NOW, FLAG_FUTURE)


def test_clock_without_anchor_trusts_the_wall_clock():
    wall = NOW - timedelta(days=400)
    assert event_time(wall, 5, None, NOW, TOL) == (wall, None)


def test_clock_error_bound_widens_the_tolerance():
    anchor = anchor_from_sync(clock_mono_ns=100 * 10**9, receipt=NOW, error_ns=60 * 10**9)
    wall = NOW - timedelta(seconds=60) - timedelta(seconds=80)
    assert event_time(wall, 40 * 10**9, anchor, NOW, TOL)[1] is None
