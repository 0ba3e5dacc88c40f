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
share of read tags that got exactly their load's direction. The baseline is the previous
rule's logic (exclusive silence for `dwell_s` on one side, then on the other) run in today's
aggregator on the same traffic and reads, for the first `--baseline` runs of each kind.

    .venv/bin/python bench/bench_portal.py [--crossings 2000] [--check]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from collections import Counter
from collections.abc import Mapping

from bench.targets import Targets, add_check_flag
from scanner.protocols.aggregation import AggregationConfig
from scanner.protocols.portal import Portal
from scanner.sim import portal_runs as runs
from scanner.sim.portal_field import Geometry, door_geometry
from shared.wire import Direction

BANDS = ((0.5, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 3.5))
PASSING_SHARE = 0.15


def geometries() -> list[Geometry]:
    """The doors the traffic is spread over."""
    return [
        door_geometry(1),
        door_geometry(2),
        door_geometry(3),
        door_geometry(2, door_width=4.0, toe_deg=25.0, name="2/side 4.0 m wide"),
    ]


class ExclusiveSilence(Portal):
    """The baseline: the previous rule. A side's read is exclusive when the other side has
    been silent for `dwell_s`; an exclusive read on one side after one on the other within
    `crossing_s` is a crossing, carried by the next sighting closing on that side."""

    def __init__(self, roles: Mapping[int, Direction], crossing_s: float, dwell_s: float):
        super().__init__(roles, crossing_s=crossing_s, settle_s=dwell_s)
        self._last: dict[str, dict[Direction, float]] = {}
        self._since: dict[str, float] = {}
        self._confirmed: dict[str, tuple[Direction, float]] = {}
        self._pending: dict[str, tuple[Direction, float]] = {}

    def observe(self, epc: str, antenna: int | None, now: float, rssi: float | None = None) -> None:  # noqa: ARG002 (the old rule had no use for RSSI)
        side = self.side(antenna)
        if side is None:
            return
        last = self._last.setdefault(epc, {"in": -math.inf, "out": -math.inf})
        since = self._since.setdefault(epc, now)
        last[side] = now
        other: Direction = "out" if side == "in" else "in"
        if now - max(last[other], since) < self._settle_s:
            return
        confirmed = self._confirmed.get(epc)
        if confirmed and confirmed[0] == other:
            if now - confirmed[1] <= self._crossing_s:
                self._pending[epc] = (side, now)
            else:
                self._pending.pop(epc, None)
        self._confirmed[epc] = (side, now)

    def decide(self, epc: str, antenna: int | None, now: float) -> Direction | None:  # noqa: ARG002
        side = self.side(antenna)
        pending = self._pending.get(epc)
        if side is None or pending is None or pending[0] != side:
            return None
        if self._last[epc]["out" if side == "in" else "in"] >= pending[1]:
            return None
        del self._pending[epc]
        return side

    def expire(self, now: float) -> None:  # noqa: ARG002 (kept everything; fine for a bench)
        return None


def _baseline(geometry: Geometry) -> Portal:
    config = AggregationConfig()
    return ExclusiveSilence(geometry.roles(), config.crossing_s, config.dwell_s)


def _crossing_runs(
    band: int, count: int, baseline: int
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    lo, hi = BANDS[band]
    carts, tags, base = Counter[str](), Counter[str](), Counter[str]()
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
        if done < baseline:
            for outcome in runs.run(scene, geometry, done, _baseline(geometry)):
                base[outcome.verdict] += 1
        done += len(scene)
    return carts, tags, base


def _null_runs(kind: str, count: int, baseline: int) -> tuple[int, int, int, int]:
    """(loads, loads given any direction, directions given, baseline loads given any) for
    turn-backs or staged loads."""
    given = directed = base = 0
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
        if i < baseline:
            (outcome,) = runs.run([cart], geometry, i, _baseline(geometry))
            base += outcome.verdict == "wrong"
    return count, directed, given, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crossings", type=int, default=2000, help="over all speed bands")
    parser.add_argument("--turn-backs", type=int, default=400)
    parser.add_argument("--staged", type=int, default=40)
    parser.add_argument("--baseline", type=int, default=100, help="runs of each kind")
    add_check_flag(parser)
    args = parser.parse_args()
    targets = Targets("portal", check=args.check)
    started = time.monotonic()
    per_band = max(1, args.crossings // len(BANDS))
    print(f"portal direction, {per_band} crossings per band (load {os.getloadavg()[0]:.2f})")
    print(
        f"{'speed band':<14}{'loads':>6}{'right':>7}{'none':>6}{'wrong':>6}{'right %':>9}"
        f"{'tags right %':>14}   baseline right % / wrong %"
    )
    for band, (lo, hi) in enumerate(BANDS):
        carts, tags, base = _crossing_runs(band, per_band, args.baseline)
        total = sum(carts.values())
        b_total = max(1, sum(base.values()))
        label = f"{lo:.1f}-{hi:.1f} m/s"
        print(
            label.ljust(14)
            + f"{total:>6}{carts['right']:>7}{carts['none']:>6}{carts['wrong']:>6}"
            + f"{100 * carts['right'] / total:>8.1f}%"
            + f"{100 * tags['right'] / max(1, tags['read']):>13.1f}%"
            + f"   {100 * base['right'] / b_total:>6.1f} / {100 * base['wrong'] / b_total:.1f}"
        )
        targets.record(f"right {label}", 100 * carts["right"] / total, ">=", 98, "%")
        targets.record(f"wrong {label}", carts["wrong"], "<=", 0, "loads")
    for kind, count in (("turn-back", args.turn_backs), ("staged", args.staged)):
        loads, directed, given, base_given = _null_runs(kind, count, args.baseline)
        print(
            f"{kind + 's':<14}{loads:>6}  loads given a direction: {directed} ({given} tags);"
            f" baseline: {base_given} of {min(count, args.baseline)}"
        )
        targets.record(f"directions for {kind}s", given, "<=", 0, "tags")
    print(f"{time.monotonic() - started:.0f} s")
    targets.finish()


if __name__ == "__main__":
    main()
