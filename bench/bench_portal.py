"""Dock-door direction on the physical portal model, through the agent's real aggregation.

Seeded traffic (`scanner.sim.portal_traffic`) in the fields of `scanner.sim.portal_field`
(read probability falling off to the fields' edges, multipath nulls, slow fades, antennas
blocked for about a second, loads shadowing their own tags, round capacity), over several
door geometries (1 to 3 antennas a side, doors 3 to 4 m wide), replayed through the real
`Aggregator` and `Portal`:

- crossings, one load or two passing each other, at 0.5 to 3.5 m/s, by speed band;
- turn-backs at every depth up to the far edge of the overlap;
- loads staged in the door for minutes, then taken on or back.

A crossing is *right* when every tag of the load that was read got exactly its direction,
*wrong* when any tag got a direction it should not have, else *none*. Targets: >= 98 % right
in every band, 0 wrong, 0 directions for turn-backs and staged loads. "tags right" is the
share of read tags that got exactly their load's direction.

    .venv/bin/python bench/bench_portal.py [--crossings 2000] [--check]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

from scanner.sim import portal_runs as runs
from scanner.sim.portal_field import Geometry, door_geometry

BANDS = ((0.5, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 3.5))
TARGET_RIGHT = 0.98
PASSING_SHARE = 0.15


def geometries() -> list[Geometry]:
    """The doors the traffic is spread over."""
    return [
        door_geometry(1),
        door_geometry(2),
        door_geometry(3),
        door_geometry(2, door_width=4.0, toe_deg=25.0, name="2/side 4.0 m wide"),
    ]


def _crossing_runs(band: int, count: int) -> tuple[Counter[str], Counter[str]]:
    lo, hi = BANDS[band]
    carts, tags = Counter[str](), Counter[str]()
    done = 0
    while done < count:
        rng = random.Random(f"bench-portal/{band}/{done}")
        speed = rng.uniform(lo, hi)
        geometry = rng.choice(geometries())
        name = f"b{band}n{done}"
        if rng.random() < PASSING_SHARE:
            scene = runs.passing_carts(rng, name, speed)
        else:
            scene = [runs.crossing_cart(rng, name, speed)]
        for outcome in runs.run(scene, geometry, seed=done):
            carts[outcome.verdict] += 1
            tags["read"] += outcome.tags_read
            tags["right"] += outcome.tags_right
            tags["wrong"] += outcome.tags_wrong
        done += len(scene)
    return carts, tags


def _null_runs(kind: str, count: int) -> tuple[int, int, int]:
    """(loads, loads that got any direction, directions given) for turn-backs or staged."""
    given = directed = 0
    for i in range(count):
        rng = random.Random(f"bench-portal/{kind}/{i}")
        speed = rng.uniform(0.5, 3.5)
        geometry = rng.choice(geometries())
        if kind == "turn-back":
            cart = runs.turn_back_cart(rng, f"t{i}", speed)
        else:
            cart = runs.staged_cart(rng, f"s{i}", speed, (60.0, 240.0))
        (outcome,) = runs.run([cart], geometry, seed=i)
        given += outcome.tags_wrong
        directed += outcome.verdict == "wrong"
    return count, directed, given


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crossings", type=int, default=2000, help="over all speed bands")
    parser.add_argument("--turn-backs", type=int, default=400)
    parser.add_argument("--staged", type=int, default=40)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    started = time.monotonic()
    per_band = max(1, args.crossings // len(BANDS))
    ok = True
    print(f"portal direction, {per_band} crossings per band (load {os.getloadavg()[0]:.2f})")
    print(
        f"{'speed band':<14}{'loads':>6}{'right':>7}{'none':>6}{'wrong':>6}{'right %':>9}"
        f"{'tags right %':>14}  target            result"
    )
    for band, (lo, hi) in enumerate(BANDS):
        carts, tags = _crossing_runs(band, per_band)
        total = sum(carts.values())
        share = carts["right"] / total
        passed = share >= TARGET_RIGHT and carts["wrong"] == 0
        ok &= passed
        print(
            f"{lo:.1f}-{hi:.1f} m/s".ljust(14)
            + f"{total:>6}{carts['right']:>7}{carts['none']:>6}{carts['wrong']:>6}"
            + f"{100 * share:>8.1f}%{100 * tags['right'] / max(1, tags['read']):>13.1f}%"
            + f"  >=98%, 0 wrong  {'pass' if passed else 'FAIL'}"
        )
    for kind, count in (("turn-back", args.turn_backs), ("staged", args.staged)):
        loads, directed, given = _null_runs(kind, count)
        passed = given == 0
        ok &= passed
        print(
            f"{kind + 's':<14}{loads:>6}  loads given a direction: {directed}, directions: {given}"
            f"   target 0  {'pass' if passed else 'FAIL'}"
        )
    print(f"{time.monotonic() - started:.0f} s; {'all targets met' if ok else 'targets missed'}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
