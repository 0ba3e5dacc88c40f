"""EPC Tag Data Standard layouts, as data: headers, partition tables and field kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.identifiers._model import Scheme

# Partition value -> (GS1 Company Prefix bits, digits), TDS tables 14-2..14-9; 7 is invalid.
PARTITIONS: tuple[tuple[int, int], ...] = (
    (40, 12),
    (37, 11),
    (34, 10),
    (30, 9),
    (27, 8),
    (24, 7),
    (20, 6),
)

SecondKind = Literal["digits", "integer", "string"]
TailKind = Literal["integer", "string", "reserved", "none"]


@dataclass(frozen=True)
class Layout:
    """One binary encoding: header(8) filter(3) partition(3) GCP+second(pair_bits) tail."""

    name: str  # tag-URI scheme name, e.g. "giai-96"
    scheme: Scheme
    header: int
    bits: int
    pair_bits: int
    second: SecondKind
    # digits of GCP + second field ("digits"), or max characters of GCP + asset ref ("string")
    pair_digits: int
    tail: TailKind = "none"
    tail_bits: int = 0
    tail_chars: int = 0


LAYOUTS: dict[int, Layout] = {
    layout.header: layout
    for layout in (
        Layout("sgtin-96", "sgtin", 0x30, 96, 44, "digits", 13, "integer", 38),
        Layout("sscc-96", "sscc", 0x31, 96, 58, "digits", 17, "reserved", 24),
        Layout("sgln-96", "sgln", 0x32, 96, 41, "digits", 12, "integer", 41),
        Layout("grai-96", "grai", 0x33, 96, 44, "digits", 12, "integer", 38),
        Layout("giai-96", "giai", 0x34, 96, 82, "integer", 0),
        Layout("sgtin-198", "sgtin", 0x36, 198, 44, "digits", 13, "string", 140, 20),
        Layout("grai-170", "grai", 0x37, 170, 44, "digits", 12, "string", 112, 16),
        Layout("giai-202", "giai", 0x38, 202, 188, "string", 30),
        Layout("sgln-195", "sgln", 0x39, 195, 41, "digits", 12, "string", 140, 20),
    )
}

BY_NAME: dict[str, Layout] = {layout.name: layout for layout in LAYOUTS.values()}

# Headers of EPC schemes we recognise but do not decode to a GS1 key (TDS 2.0 table 14-1);
# codes carrying them are kept as raw EPCs.
OTHER_HEADERS = frozenset(
    {0x2C, 0x2D, 0x2E, 0x2F, 0x35, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41}
    | {0xF1, 0xF2, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB}
)

KNOWN_HEADERS = frozenset(LAYOUTS) | OTHER_HEADERS

# Characters that must be percent-escaped in EPC URIs (TDS 1.4 / identifiers.md section 1.4).
URI_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
