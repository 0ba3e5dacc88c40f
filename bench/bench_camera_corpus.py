"""Still-image decoding on the project's own degraded label corpus (scanner/camera/corpus.py):
share of labels read and time per image for zxing-cpp alone, pyzbar alone, and the `decode`
command's pipeline (zxing-cpp, then pyzbar when zxing-cpp finds nothing), same images, same run.

    .venv/bin/python bench/bench_camera_corpus.py [--per-cell 6] [--seed 1] [--check]

Target: the pipeline reads at least as many labels as the better engine alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.targets import Targets, add_check_flag
from scanner.camera.corpus import DEGRADATIONS, KINDS, CorpusImage, generate
from scanner.camera.decoder import Decoded, StillDecoder, ZbarDecoder, ZxingDecoder, to_gray

Decode = Callable[[Any], list[Decoded]]


def run(name: str, decode: Decode, corpus: list[CorpusImage]) -> dict[str, Any]:
    """Share read (overall, per degradation, per kind) and ms per image of one engine."""
    hits: Counter[str] = Counter()
    times: list[float] = []
    for item in corpus:
        started = time.perf_counter()
        found = decode(item.image)
        times.append((time.perf_counter() - started) * 1000)
        ok = any(code.text == item.text for code in found)
        hits["all"] += ok
        hits[item.degradation] += ok
        hits[item.kind] += ok
    times.sort()
    return {
        "name": name,
        "hits": hits,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "mean_ms": statistics.fmean(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=6, help="images per (kind, degradation)")
    parser.add_argument("--seed", type=int, default=1)
    add_check_flag(parser)
    args = parser.parse_args()
    corpus = list(generate(args.per_cell, args.seed))
    zxing, zbar, pipeline = ZxingDecoder(), ZbarDecoder(), StillDecoder()
    if not zbar.available:
        print("libzbar0 is missing: the pyzbar rows read nothing (install libzbar0)")
    engines: dict[str, Decode] = {
        "zxing-cpp alone": lambda image: zxing.decode(to_gray(image)),
        "pyzbar alone": lambda image: zbar.decode(to_gray(image)),
        "zxing-cpp + pyzbar (pipeline)": pipeline.decode,
    }
    results = [run(name, decode, corpus) for name, decode in engines.items()]
    total = len(corpus)
    grid = f"{len(KINDS)} label kinds x {len(DEGRADATIONS)} degradations x {args.per_cell}"
    print(f"{total} images: {grid}")
    print(f"{'engine':32s} {'read':>7s} {'median ms':>10s} {'p95 ms':>8s} {'mean ms':>8s}")
    for r in results:
        share = r["hits"]["all"] / total
        ms = f"{r['median_ms']:10.2f} {r['p95_ms']:8.2f} {r['mean_ms']:8.2f}"
        print(f"{r['name']:32s} {share:7.1%} {ms}")
    for group, keys in (("degradation", DEGRADATIONS), ("label kind", KINDS)):
        print(f"\nread by {group} (zxing-cpp / pyzbar / pipeline)")
        for key in keys:
            count = sum(1 for c in corpus if key in (c.degradation, c.kind))
            shares = " / ".join(f"{r['hits'][key] / count:6.1%}" for r in results)
            print(f"  {key:16s} {shares}")
    best = max(results[0]["hits"]["all"], results[1]["hits"]["all"])
    print(f"\npipeline vs better engine alone: {results[2]['hits']['all']} vs {best} labels read")
    targets = Targets("camera_corpus", check=args.check)
    targets.record(
        "pipeline vs better engine alone", results[2]["hits"]["all"], ">=", best, "labels"
    )
    targets.finish()


if __name__ == "__main__":
    main()
