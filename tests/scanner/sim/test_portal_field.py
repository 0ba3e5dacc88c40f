from __future__ import annotations

import itertools
import random

from scanner.sim.portal import Trajectory
from scanner.sim.portal_field import PortalField, TagAt, door_geometry, field_profile
from scanner.sim.portal_traffic import Cart, crossing_path, load, scene_reads

GEOMETRY = door_geometry(2)


def _parked(x: float, seconds: float, seed: int = 0, **field: float) -> list[tuple[float, int]]:
    """(time, port) of the reads of one tag parked at `x` on the lane's centre line."""
    cart = Cart(
        "P", "parked", Trajectory(((0.0, x),)), 0.0, (("AA" * 12, (0.0, 0.0, 1.0)),), (), 0.0
    )
    model = PortalField(GEOMETRY, seed=seed, **field)  # type: ignore[arg-type]
    return [(t, port) for t, _, port, _ in scene_reads([cart], model, seconds)]


def test_fields_overlap_only_around_the_door_line():
    out_only, both, in_only = field_profile(GEOMETRY, [-2.0, 0.0, 2.0])
    assert out_only["out"] > 0.8 and out_only["in"] < 0.01
    assert both["out"] > 0.5 and both["in"] > 0.5
    assert in_only["in"] > 0.8 and in_only["out"] < 0.01


def test_read_probability_falls_off_towards_the_fields_edge():
    near, edge, beyond = field_profile(GEOMETRY, [-1.5, -3.5, -6.0])
    assert near["out"] > 0.85 > edge["out"] > 0.1 > beyond["out"]


def test_an_antenna_is_blocked_for_about_a_second_now_and_then():
    model = PortalField(GEOMETRY, seed=3, blocks_per_min=6.0)
    spans = []
    t = 0.0
    while t < 120.0:
        if model.blocked(1, t):
            start = t
            while model.blocked(1, t):
                t += 0.01
            spans.append(t - start)
        t += 0.01
    assert 6 <= len(spans) <= 24
    assert all(s >= 0.4 for s in spans)
    assert 0.6 <= sorted(spans)[len(spans) // 2] <= 1.4  # about a second (two may overlap)


def test_a_parked_tag_has_gaps_longer_than_dwell_inside_the_field():
    reads = _parked(-1.0, 120.0, seed=1, blocks_per_min=4.0)
    out_reads = [t for t, port in reads if port == 1]
    gaps = [b - a for a, b in itertools.pairwise(out_reads)]
    assert len(out_reads) > 200  # well inside the outside field
    assert max(gaps) > 1.0  # yet unread for longer than the default dwell_s now and then


def test_a_load_shadows_the_tags_on_its_far_face():
    rng = random.Random(0)
    tags = load(rng, 40, "T")
    cart = Cart("L", "crossing", crossing_path(0.0, True, 1.0), 0.0, tags, ("in",), 1.0)
    reads = list(scene_reads([cart], PortalField(GEOMETRY, seed=2, blocks_per_min=0.0), 20.0))
    front = {epc for epc, (dx, _, _) in tags if dx > 0.55}  # facing inside, away from "out"
    back = {epc for epc, (dx, _, _) in tags if dx < -0.55}
    before_door = [r for r in reads if r[0] < 7.5 - 0.6 and r[2] in (1, 3)]
    per_front = sum(r[1] in front for r in before_door) / max(1, len(front))
    per_back = sum(r[1] in back for r in before_door) / max(1, len(back))
    assert per_front > 1.5 * per_back  # approaching, the outside sees the leading face


def test_reads_are_seeded():
    assert _parked(0.5, 10.0, seed=7) == _parked(0.5, 10.0, seed=7)
    assert _parked(0.5, 10.0, seed=7) != _parked(0.5, 10.0, seed=8)


def test_a_tag_beyond_the_fields_is_never_read():
    model = PortalField(GEOMETRY, seed=0)
    tag = TagAt("BB" * 12, (9.5, 0.0, 1.0), (9.5, 0.0, 1.0))
    assert all(not model.round(a, 0.0, [tag]) for a in GEOMETRY.antennas)
