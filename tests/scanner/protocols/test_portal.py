from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.protocols.aggregation import AggregationConfig
from scanner.protocols.portal import Portal
from scanner.sim import portal_runs as runs
from scanner.sim.portal import Trajectory, crossing
from scanner.sim.portal_field import PortalField, door_geometry
from scanner.sim.portal_traffic import Cart, load, scene_reads

# Two antennas a side at least: with one, a tag parked in the door with the other side in a
# multipath null reads exactly like one that went through (see the README's portal notes).
GEOMETRIES = [door_geometry(2), door_geometry(3)]
FAR = 7.5
CLEAR_M = 0.1  # a tag this far past the door line is on that side of it


def _one(path: Trajectory, seed: int = 1, size: int = 1, per_side: int = 2) -> runs.Outcome:
    rng = random.Random(seed)
    cart = Cart("C", "test", path, 0.2, load(rng, size, "C:"), (), 1.0)
    (outcome,) = runs.run([cart], door_geometry(per_side), seed)
    return outcome


def _directions(path: Trajectory, seed: int = 1, per_side: int = 2) -> list[tuple[str, int]]:
    """(direction, antenna) of the directed sightings of one tag following `path`."""
    rng = random.Random(seed)
    cart = Cart("C", "test", path, 0.2, load(rng, 1, "C:"), (), 1.0)
    geometry = door_geometry(per_side)
    until = path.end + 15.0
    reads = scene_reads([cart], PortalField(geometry, seed=seed), until)
    out = runs.replay(reads, geometry.roles(), until, AggregationConfig())
    return [(s.direction, s.antenna or 0) for s in out if s.direction]


def test_portal_tag_walking_in_gets_one_in_on_an_inside_antenna():
    got = _directions(crossing(0.0, inward=True, speed=1.2, far=7.5))
    assert [d for d, _ in got] == ["in"]
    assert got[0][1] % 2 == 0  # an inside antenna's sighting completes the crossing


def test_portal_forklift_driving_out_gets_one_out_on_an_outside_antenna():
    got = _directions(crossing(0.0, inward=False, speed=3.5, far=7.5), seed=4)
    assert [d for d, _ in got] == ["out"]
    assert got[0][1] % 2 == 1


def test_portal_tag_in_then_back_out_gets_in_then_out():
    path = Trajectory(((0.0, -7.5), (10.0, 7.5), (20.0, 7.5), (30.0, -7.5)))
    assert [d for d, _ in _directions(path, seed=3)] == ["in", "out"]


def test_portal_turn_back_at_the_door_is_null():
    # into the overlap, a little past the door line, a pause, then back where it came from
    path = Trajectory(((0.0, -7.5), (5.0, 0.2), (7.0, 0.2), (9.0, -7.5)))
    for seed in range(5):
        assert _directions(path, seed=seed) == []


def test_portal_load_staged_in_the_door_for_a_minute_is_null():
    path = Trajectory(((0.0, -7.5), (5.0, 0.0), (65.0, 0.0), (70.0, 7.5)))
    outcome = _one(path, seed=4, size=12)
    assert outcome.tags_read == 12 and outcome.tags_wrong == 0  # no tag got a direction


def test_portal_pallet_of_fifty_tags_gets_one_direction():
    rng = random.Random(5)
    cart = runs.crossing_cart(rng, "P", 1.5)
    cart = Cart("P", "crossing", cart.path, 0.0, load(rng, 50, "P:"), cart.truth, 1.5)
    (outcome,) = runs.run([cart], door_geometry(2), 5)
    assert outcome.tags_wrong == 0  # no tag of the pallet gets the other direction
    assert outcome.tags_right >= 0.9 * outcome.tags_read


def test_portal_loads_passing_each_other_keep_their_own_directions():
    wrong = right = read = 0
    for seed in range(6):
        carts = runs.passing_carts(random.Random(seed), f"p{seed}", 2.0)
        for outcome in runs.run(carts, door_geometry(2), seed):
            wrong += outcome.tags_wrong
            right += outcome.tags_right
            read += outcome.tags_read
    assert wrong == 0 and right >= 0.8 * read


def test_portal_gives_directions_at_every_speed_and_never_a_wrong_one_despite_long_gaps():
    # antennas blocked for up to 1.5 s six times a minute, on top of nulls, fades, shadowing
    right = read = wrong = 0
    for i in range(80):
        rng = random.Random(f"gaps/{i}")
        speed = 0.5 + 3.0 * i / 79
        geometry = door_geometry(1 + i % 3)
        for outcome in runs.run([runs.crossing_cart(rng, f"g{i}", speed)], geometry, i, None, 6.0):
            right, read, wrong = (
                right + outcome.tags_right,
                read + outcome.tags_read,
                wrong + outcome.tags_wrong,
            )
    assert wrong == 0
    assert right >= 0.85 * read  # a portal that never answers fails here


def test_portal_turn_backs_at_every_depth_get_no_direction_despite_long_gaps():
    given = 0
    for i in range(60):
        rng = random.Random(f"turn/{i}")
        cart = runs.turn_back_cart(rng, f"t{i}", 0.5 + 3.0 * (i % 7) / 6)
        (outcome,) = runs.run([cart], door_geometry(1 + i % 3), i, None, 6.0)
        given += outcome.tags_wrong
    assert given == 0


def _transitions(path: Trajectory, dx: float, until: float) -> list[str]:
    """The crossings a tag `dx` ahead of its load's centre made: from at least CLEAR_M on one
    side of the door line to at least CLEAR_M on the other."""
    zones: list[str] = []
    t = 0.0
    while t <= until:
        x = path.position(t) + dx
        zone = "out" if x <= -CLEAR_M else "in" if x >= CLEAR_M else ""
        if zone and (not zones or zones[-1] != zone):
            zones.append(zone)
        t += 0.02
    return zones[1:]  # entering a zone after the other one is a crossing into it


_STEP = st.tuples(st.floats(0.0, 6.0), st.floats(-7.5, 7.5), st.floats(0.5, 3.5))


@settings(max_examples=100, deadline=None, derandomize=True)  # 1,000 pass too: slow
@given(
    st.lists(_STEP, min_size=1, max_size=6),
    st.integers(0, 2**16),
    st.integers(1, 6),
    st.sampled_from(GEOMETRIES),
)
def test_portal_never_reports_a_wrong_direction(steps, seed, size, geometry):
    # Any path at forklift speeds, with pauses anywhere (in the overlap too), through the
    # physical model's gaps: blocked antennas, nulls, slow fades, a load shadowing its tags.
    points = [(0.0, -FAR if steps[0][1] < 0 else FAR)]  # every load comes from outside the fields
    for pause, x, speed in steps:
        t0, x0 = points[-1]
        if pause:
            points.append((t0 + pause, x0))
            t0 = points[-1][0]
        points.append((t0 + max(abs(x - x0), 0.01) / speed, x))
    rng = random.Random(seed)
    cart = Cart("H", "random", Trajectory(tuple(points)), 0.3, load(rng, size, "H:"), (), 1.0)
    until = cart.path.end + 12.0
    reads = scene_reads([cart], PortalField(geometry, seed=seed), until)
    sightings = runs.replay(reads, geometry.roles(), until, AggregationConfig())
    for epc, (dx, _, _) in cart.tags:
        truth = _transitions(cart.path, dx, until)
        got = [s.direction for s in sightings if s.epc == epc and s.direction]
        assert runs.fits(got, truth), (points, epc, dx, got, truth)


FADING = [-45.0, -47.0, -55.0, -60.0, -62.0, -66.0]  # RSSI of a tag driving away


def _decide_after(reads: list[tuple[float, int, float]], at: float) -> str | None:
    """Feed (time, antenna, RSSI) reads of one tag to a bare `Portal`; decide on antenna 2."""
    portal = Portal({1: "out", 2: "in"}, crossing_s=10.0, settle_s=1.0)
    for t, antenna, rssi in reads:
        portal.observe("E1" * 12, antenna, t, rssi)
    return portal.decide("E1" * 12, 2, at)


def _outside_then(middle: list[tuple[float, int, float]], tail_rssi: list[float]):
    lead = [(0.1 * i, 1, -50.0 - i % 3) for i in range(10)]  # 0.0-0.9 s, outside only
    tail = [(6.0 + 0.1 * i, 2, level) for i, level in enumerate(tail_rssi)]
    return lead + middle + tail


def test_portal_sides_read_together_without_a_clear_order_is_null():
    # read outside twice, then by both sides for eight seconds, then a short inside tail: it
    # starts and ends right, but the two sides' read times are not clearly in order
    lead = [(0.0, 1, -50.0), (0.1, 1, -51.0)]
    both = [(0.2 + 0.1 * i, 1 + i % 2, -50.0 - i % 3) for i in range(80)]
    tail = [(8.3 + 0.1 * i, 2, level) for i, level in enumerate(FADING)]
    assert _decide_after(lead + both + tail, 9.9) is None
    # the same with the middle read by the inside only is a crossing
    inside = [(0.2 + 0.1 * i, 2, -45.0 - i % 3) for i in range(80)]
    assert _decide_after(lead + inside + tail, 9.9) == "in"


def test_portal_tail_that_does_not_fade_is_a_tag_standing_still():
    inside = [(1.0 + 0.1 * i, 2, -45.0 - i % 3) for i in range(20)]
    steady = [-46.0, -45.0, -47.0, -46.0, -45.0, -46.0]
    assert _decide_after(_outside_then(inside, steady), 7.6) is None
    assert _decide_after(_outside_then(inside, FADING), 7.6) == "in"
