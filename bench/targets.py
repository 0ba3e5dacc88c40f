"""Benchmark targets, recorded and enforced: each bench states (target, measured, pass/fail).

In a `bench/bench_*.py` script:

    parser = argparse.ArgumentParser()
    add_check_flag(parser)                        # --check: exit 1 when a target is missed
    args = parser.parse_args()
    targets = Targets("outbox", check=args.check)
    targets.record("group commit", rate, ">=", 50_000, "events/s")
    targets.finish()                              # prints the table; SystemExit(1) on a miss

`finish` also appends one JSON line per result to the file named by $SCANSTATION_BENCH_RESULTS
(`make bench` sets it), and `python -m bench.targets FILE [--check]` prints the table of every
benchmark in that file (and, with --check, exits 1 when one missed its target).
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS_ENV = "SCANSTATION_BENCH_RESULTS"
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Result:
    """One target of one benchmark and what this run measured."""

    bench: str
    name: str
    measured: float
    op: str
    target: float
    unit: str
    load: float  # 1-minute load average when it was measured: these machines are shared

    @property
    def passed(self) -> bool:
        """Met: a measurement that is not a number (nothing measured) never passes."""
        return not math.isnan(self.measured) and _OPS[self.op](self.measured, self.target)


class Targets:
    """The results of one benchmark run."""

    def __init__(self, bench: str, check: bool = False) -> None:
        self.bench = bench
        self.check = check
        self.results: list[Result] = []

    def record(self, name: str, measured: float, op: str, target: float, unit: str = "") -> bool:
        """Record `measured` against `op target` (op: >=, >, <=, <); whether it is met."""
        if op not in _OPS:
            raise ValueError(f"unknown comparison {op!r}; use one of {', '.join(_OPS)}")
        result = Result(self.bench, name, float(measured), op, float(target), unit, _load())
        self.results.append(result)
        return result.passed

    def finish(self) -> None:
        """Print the table, append the results to $SCANSTATION_BENCH_RESULTS if set, and with
        --check exit 1 when a target was missed."""
        print()
        print(table(self.results))
        path = os.environ.get(RESULTS_ENV)
        if path:
            with Path(path).open("a", encoding="utf-8") as out:
                for result in self.results:
                    out.write(to_json(result) + "\n")
        missed = [r for r in self.results if not r.passed]
        if self.check and missed:
            raise SystemExit(f"{self.bench}: {len(missed)} target(s) missed")


def add_check_flag(parser: argparse.ArgumentParser) -> None:
    """The --check option every bench takes."""
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is missed"
    )


def to_json(result: Result) -> str:
    """One machine-readable line: the result, whether it passed, and when."""
    fields = {**asdict(result), "passed": result.passed}
    fields["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return json.dumps(fields)


def load_results(path: Path) -> list[Result]:
    """The results appended to `path` (none if it does not exist)."""
    if not path.exists():
        return []
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            fields = json.loads(line)
            fields.pop("passed", None)
            fields.pop("at", None)
            results.append(Result(**fields))
    return results


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def table(results: Iterable[Result]) -> str:
    """Target / measured / pass-fail, one row per result."""
    rows = [("benchmark", "measure", "target", "measured", "result", "load")]
    for r in results:
        unit = r.unit if r.unit in ("", "x", "%") else f" {r.unit}"
        rows.append(
            (
                r.bench,
                r.name,
                f"{r.op} {_number(r.target)}{unit}",
                f"{_number(r.measured)}{unit}",
                "pass" if r.passed else "FAIL",
                f"{r.load:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table of every result in a results file; 1 with --check when one missed."""
    parser = argparse.ArgumentParser(description="Benchmark targets across all benchmarks.")
    parser.add_argument("results", type=Path, help=f"a results file (${RESULTS_ENV})")
    add_check_flag(parser)
    args = parser.parse_args(argv)
    results = load_results(args.results)
    if not results:
        print(f"no benchmark results in {args.results}", file=sys.stderr)
        return 1
    missed = sum(not r.passed for r in results)
    print(table(results))
    print(f"\n{len(results) - missed} of {len(results)} targets met")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
