"""Outbox durability throughput: events/s committed with synchronous=FULL, group commit vs one
commit per event, measured in the same run on the same disk (acceptance 7).

Run: .venv/bin/python bench/bench_outbox.py [--events N] [--group ROWS] [--check]
Targets: >= 50,000 events/s with group commit, and >= 20x the per-event rate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.targets import Targets, add_check_flag
from scanner.events import EventDraft
from scanner.queue import Outbox

TARGET_RATE = 50_000
TARGET_RATIO = 20.0


def _drafts(n: int) -> list[EventDraft]:
    now = datetime.now(UTC)
    return [
        EventDraft(
            type="sighting",
            code=f"AST-{i:06d}",
            source="wand",
            symbology="code128",
            observed_at=now,
            boot_id="bench-boot",
            mono_ns=i,
            read_point="WH1-DOCK3",
            location="WH1",
        )
        for i in range(n)
    ]


def _rate(path: Path, drafts: list[EventDraft], group: int) -> float:
    box = Outbox(path, budget_bytes=4 * 1024**3)
    start = time.perf_counter()
    for i in range(0, len(drafts), group):
        box.append(drafts[i : i + group])
    elapsed = time.perf_counter() - start
    assert box.committed_seq() == len(drafts)
    box.close()
    return len(drafts) / elapsed


def main() -> None:
    """Print events/s for both strategies and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="events, group commit run")
    parser.add_argument("--single", type=int, default=3_000, help="events, per-event run")
    parser.add_argument("--group", type=int, default=500, help="rows per group commit")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds, best kept")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="disk to measure (not tmpfs)")
    add_check_flag(parser)
    args = parser.parse_args()
    singles, groups = [], []
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=args.dir) as tmp:
        # Alternate the two strategies so a noisy neighbour hits both alike; best of N each.
        for n in range(args.rounds):
            singles.append(_rate(Path(tmp) / f"single{n}.db", _drafts(args.single), 1))
            groups.append(_rate(Path(tmp) / f"group{n}.db", _drafts(args.events), args.group))
    single, grouped = max(singles), max(groups)
    print(f"outbox, SQLite WAL + synchronous=FULL, one process, best of {args.rounds} rounds")
    print(f"  one commit per event:       {single:>12,.0f} events/s  ({args.single:,} events)")
    print(
        f"  group commit ({args.group} rows): {grouped:>12,.0f} events/s  ({args.events:,} events)"
    )
    print(
        f"  ratio:                      {grouped / single:>12.1f}x   (targets: >= 50,000/s, >= 20x)"
    )
    targets = Targets("outbox", check=args.check)
    targets.record(f"group commit ({args.group} rows)", grouped, ">=", TARGET_RATE, "events/s")
    targets.record(
        "group commit vs one commit per event", grouped / single, ">=", TARGET_RATIO, "x"
    )
    targets.finish()


if __name__ == "__main__":
    main()
