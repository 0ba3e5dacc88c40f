from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from scanner.camera.live import RateGate, SightingFilter

A, B, C = ("qr", "A"), ("code128", "B"), ("datamatrix", "C")


def _run(frames: list[tuple[float, list[tuple[str, str]]]], hold_off_s=2.0, rearm_s=0.5):
    sightings = SightingFilter(hold_off_s, rearm_s)
    return [(now, key) for now, keys in frames for key in sightings.observe(keys, now)]


def test_sighting_label_held_in_view_is_one_read():
    frames = [(i * 0.1, [A]) for i in range(100)]
    assert _run(frames) == [(0.0, A)]


def test_sighting_short_decode_miss_does_not_rearm():
    frames = [(0.0, [A]), (0.1, []), (0.2, []), (0.3, [A]), (0.4, [A])]
    assert _run(frames, hold_off_s=0.0) == [(0.0, A)]


def test_sighting_rearmed_after_out_of_view_and_hold_off():
    frames = [(0.0, [A]), (0.1, [A])] + [(0.1 + i * 0.1, []) for i in range(1, 30)] + [(3.1, [A])]
    assert _run(frames) == [(0.0, A), (3.1, A)]


def test_sighting_hold_off_blocks_a_quick_second_pass():
    frames = [(0.0, [A]), (1.0, [A]), (5.0, [A])]
    assert _run(frames, hold_off_s=2.0, rearm_s=0.5) == [(0.0, A), (5.0, A)]


def test_sighting_several_labels_in_one_frame_are_several_reads():
    frames = [(0.0, [A, B, A]), (0.1, [B, C]), (0.2, [A, B, C])]
    assert _run(frames) == [(0.0, A), (0.0, B), (0.1, C)]


def test_sighting_forgets_labels_long_gone():
    sightings = SightingFilter(hold_off_s=1.0, rearm_s=0.5)
    for i in range(1000):
        sightings.observe([("code128", f"L{i}")], i * 2.0)
    assert sightings.in_view() <= 1


def test_rate_gate_lets_frames_through_at_the_target_rate():
    gate = RateGate(10.0)
    passed = [i for i in range(100) if gate.due(i / 30.0)]  # 30 fps for 3.3 s
    assert 32 <= len(passed) <= 34


def test_rate_gate_does_not_burst_after_a_stall():
    gate = RateGate(10.0)
    assert gate.due(0.0)
    assert gate.due(5.0)
    assert not gate.due(5.05)
    assert gate.due(5.1)


@given(
    st.lists(
        st.tuples(st.floats(0.01, 1.0), st.lists(st.sampled_from([A, B, C]), max_size=3)),
        max_size=80,
    ),
    st.floats(0.0, 3.0),
    st.floats(0.05, 1.0),
)
def test_sighting_reads_are_hold_off_apart_and_follow_a_gap(steps, hold_off_s, rearm_s):
    now, frames = 0.0, []
    for step, keys in steps:
        now += step
        frames.append((now, keys))
    reads = _run(frames, hold_off_s, rearm_s)
    for key in (A, B, C):
        times = [t for t, k in reads if k == key]
        seen = [t for t, keys in frames if key in keys]
        assert (len(times) > 0) == (len(seen) > 0)
        assert all(b - a >= hold_off_s for a, b in itertools.pairwise(times))
        for t in times[1:]:
            before = [s for s in seen if s < t]
            assert t - before[-1] >= rearm_s
