"""The benchmarks' shared target helper: results recorded, tabulated and enforced."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.targets import RESULTS_ENV, Targets, load_results, main, table


def test_targets_compare_with_each_operator_and_nan_never_passes():
    t = Targets("demo")
    assert t.record("rate", 50_000, ">=", 50_000, "events/s")
    assert not t.record("rate", 49_999.9, ">=", 50_000, "events/s")
    assert not t.record("cpu", 15.0, "<", 15.0, "%")
    assert t.record("cpu", 14.9, "<", 15.0, "%")
    assert t.record("lost", 0, "<=", 0)
    assert not t.record("lost", 1, "<=", 0)
    assert t.record("ratio", 20.1, ">", 20)
    assert not t.record("p99", math.nan, "<", 250, "ms")
    assert [r.passed for r in t.results] == [True, False, False, True, True, False, True, False]
    with pytest.raises(ValueError, match="unknown comparison"):
        t.record("x", 1, "==", 1)


def test_finish_appends_json_lines_and_fails_only_under_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(results))
    passing = Targets("a", check=True)
    passing.record("rate", 10, ">=", 5, "frames/s")
    passing.finish()  # met: no exit even under --check
    missing = Targets("b", check=False)
    missing.record("rate", 1, ">=", 5, "frames/s")
    missing.finish()  # missed, but not asked to check
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(x["bench"], x["measured"], x["target"], x["passed"]) for x in lines] == [
        ("a", 10.0, 5.0, True),
        ("b", 1.0, 5.0, False),
    ]
    checked = Targets("c", check=True)
    checked.record("rate", 1, ">=", 5)
    with pytest.raises(SystemExit, match="c: 1 target"):
        checked.finish()
    assert "FAIL" in capsys.readouterr().out
    assert [r.bench for r in load_results(results)] == ["a", "b", "c"]


def test_summary_tabulates_every_benchmark_and_check_exits_1_on_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(results))
    for bench, measured in (("outbox", 116_233.0), ("ingest", 10_000.0)):
        t = Targets(bench)
        t.record("throughput", measured, ">=", 20_000, "sightings/s")
        t.finish()
    capsys.readouterr()
    assert main([str(results)]) == 0
    out = capsys.readouterr().out
    assert "outbox" in out and "116,233 sightings/s" in out and ">= 20,000 sightings/s" in out
    assert "1 of 2 targets met" in out
    assert main([str(results), "--check"]) == 1
    assert main([str(tmp_path / "missing.jsonl")]) == 1  # nothing ran: not a success


def test_table_has_one_row_per_result_under_a_header():
    t = Targets("epc")
    t.record("GIAI-96 decode vs epcpy", 1.4, ">=", 1.0, "x")
    lines = table(t.results).splitlines()
    assert lines[0].split()[:4] == ["benchmark", "measure", "target", "measured"]
    assert lines[1].split()[-2] == "pass" and ">= 1x" in lines[1] and "1.40x" in lines[1]
