"""EPC decoding and identify() throughput, each against a baseline measured in the same run.

Run: .venv/bin/python bench/bench_epc.py [--n 20000] [--check]
Baselines: epcpy (the test oracle) for hex decoding; a bare `biip.parse` for barcode text.
Targets: not slower than either baseline (ratio >= 1.0x).
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Callable, Sequence

import biip

from bench.targets import Targets, add_check_flag
from shared.identifiers import decode_epc, encode_giai, encode_sgtin, identify


def _rate(label: str, func: Callable[[str], object], codes: Sequence[str]) -> float:
    """Calls of `func` per second over `codes` (best of three passes)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for code in codes:
            func(code)
        best = min(best, time.perf_counter() - start)
    rate = len(codes) / best
    print(f"  {label:<34} {rate:>12,.0f} /s")
    return rate


def _giai_tags(rng: random.Random, n: int) -> list[str]:
    return [
        encode_giai("0614141", str(rng.randrange(1 << 58)), filter=rng.randrange(8))
        for _ in range(n)
    ]


def _sgtin_tags(rng: random.Random, n: int) -> list[str]:
    return [
        encode_sgtin(
            "0614141", f"{rng.randrange(10**6):06d}", str(rng.randrange(1 << 38)), filter=1
        )
        for _ in range(n)
    ]


def _barcodes(rng: random.Random, n: int) -> list[str]:
    codes = []
    for _ in range(n):
        ref = str(rng.randrange(10**8))
        codes.append(rng.choice(["]C1", "]d2", "]Q3"]) + "8004061414" + ref + "\x1d" + "91X")
    return codes


def main(argv: Sequence[str] | None = None) -> None:
    """Print EPCs/s for GIAI-96 and SGTIN-96 decoding and codes/s for identify() on barcodes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000, help="codes per measurement")
    add_check_flag(parser)
    args = parser.parse_args(argv)
    targets = Targets("epc", check=args.check)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # epcpy 0.1.8 compiles with invalid-escape warnings
        from epcpy.utils.parsers import hex_to_tag_encodable
    rng = random.Random(42)

    def epcpy_uri(hex_text: str) -> str:
        return str(hex_to_tag_encodable(hex_text).epc_uri)

    for name, tags in (
        ("GIAI-96", _giai_tags(rng, args.n)),
        ("SGTIN-96", _sgtin_tags(rng, args.n)),
    ):
        print(f"{name} decode ({args.n} tags)")
        ours = _rate("shared.identifiers.decode_epc", decode_epc, tags)
        base = _rate("epcpy hex_to_tag_encodable (baseline)", epcpy_uri, tags)
        print(f"  ratio ours/epcpy: {ours / base:.2f}x")
        targets.record(f"{name} decode vs epcpy", ours / base, ">=", 1.0, "x")
    barcodes = _barcodes(rng, args.n)
    print(f"GS1 barcode text ({args.n} codes, 8004 + GS + 91)")
    ours = _rate("shared.identifiers.identify", identify, barcodes)
    base = _rate("biip.parse (baseline)", biip.parse, barcodes)
    print(f"  ratio ours/biip.parse: {ours / base:.2f}x")
    targets.record("identify() on GS1 text vs biip.parse", ours / base, ">=", 1.0, "x")
    raw = [f"{tag}" for tag in _giai_tags(rng, args.n)]
    print("identify() on EPC hex (detection + decode)")
    _rate("shared.identifiers.identify", identify, raw)
    targets.finish()


if __name__ == "__main__":
    main()
