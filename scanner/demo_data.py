"""The demo site: a warehouse with zones, an office floor, 200 assets and 20 people, and the
walk-through a simulated wand replays. Deterministic, so every demo looks the same."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

COMPANY_PREFIX = "0614141"

LOCATIONS: list[tuple[str, str, str | None]] = [
    ("WH1", "Warehouse 1", None),
    ("WH1-A", "Zone A · racking", "WH1"),
    ("WH1-B", "Zone B · bulk storage", "WH1"),
    ("WH1-C", "Zone C · tool crib", "WH1"),
    ("WH1-DOCK", "Dock doors", "WH1"),
    *((f"WH1-A-{n:02d}", f"Rack A, bay {n}", "WH1-A") for n in range(1, 9)),
    ("HQ", "Head office", None),
    ("HQ-F3", "Floor 3", "HQ"),
    ("HQ-F3-OPEN", "Open-plan area", "HQ-F3"),
    ("HQ-F3-ADA", "Meeting room Ada", "HQ-F3"),
    ("HQ-F3-SRV", "Server room", "HQ-F3"),
    ("HQ-F3-IT", "IT store", "HQ-F3"),
    ("YARD", "Yard", None),
]

PEOPLE = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Edsger Dijkstra",
    "Margaret Hamilton",
    "Donald Knuth",
    "Barbara Liskov",
    "Ken Thompson",
    "Frances Allen",
    "Dennis Ritchie",
    "Radia Perlman",
    "Tim Berners-Lee",
    "Hedy Lamarr",
    "John Backus",
    "Sophie Wilson",
    "Niklaus Wirth",
    "Annie Easley",
    "Bjarne Stroustrup",
    "Karen Spärck Jones",
]

# (category, model, home zones, count)
CATALOGUE: list[tuple[str, str, list[str], int]] = [
    ("Laptop", "Lenovo ThinkPad T14 Gen 4", ["HQ-F3-OPEN", "HQ-F3-IT"], 40),
    ("Laptop", "Dell Latitude 5440", ["HQ-F3-OPEN", "HQ-F3-IT"], 20),
    ("Monitor", "Dell P2723DE 27in", ["HQ-F3-OPEN", "HQ-F3-ADA"], 20),
    ("Projector", "Epson EB-L210W", ["HQ-F3-ADA"], 4),
    ("Network", "Cisco Catalyst 9200L switch", ["HQ-F3-SRV"], 6),
    ("Power tool", "Makita DHP486 drill", ["WH1-C"], 18),
    ("Hand tool", "Norbar TTi 100 torque wrench", ["WH1-C"], 12),
    ("Scanner", "Zebra DS2208 barcode scanner", ["WH1-C", "WH1-DOCK"], 10),
    ("Handling", "Jungheinrich AM 22 pallet truck", ["WH1-DOCK", "WH1-B"], 12),
    (
        "Returnable",
        "Euro pallet cage 1200x800",
        ["WH1-B", *(f"WH1-A-{n:02d}" for n in range(1, 9))],
        46,
    ),
    ("Safety", "Harness kit EN 361", ["WH1-C"], 12),
]


@dataclass(frozen=True)
class DemoAsset:
    """One seeded asset and the codes it answers to."""

    asset_tag: str
    name: str
    category: str
    home: str
    number: int
    rfid: bool


def people() -> list[dict[str, str]]:
    """Bodies for `POST /api/v1/people`."""
    return [{"code": f"EMP-{i:03d}", "name": name} for i, name in enumerate(PEOPLE, start=1)]


def locations() -> list[dict[str, Any]]:
    """Bodies for `POST /api/v1/locations`, parents first."""
    return [{"code": c, "name": n, **({"parent": p} if p else {})} for c, n, p in LOCATIONS]


def read_points() -> list[dict[str, Any]]:
    """The dock-door portal and the office's desk reader."""
    return [
        {"code": "WH1-DOCK3", "location": "WH1-DOCK", "inside": "WH1-DOCK", "outside": "YARD"},
        {"code": "HQ-DESK", "location": "HQ-F3-IT"},
    ]


def assets() -> list[DemoAsset]:
    """200 assets; the returnable cages and pallet trucks carry RFID tags for the dock door."""
    rng = random.Random(7)
    out: list[DemoAsset] = []
    for category, model, homes, count in CATALOGUE:
        for _ in range(count):
            n = len(out) + 1
            out.append(
                DemoAsset(
                    asset_tag=f"AST-{n:06d}",
                    name=model,
                    category=category,
                    home=rng.choice(homes),
                    number=n,
                    rfid=category in {"Returnable", "Handling"},
                )
            )
    return out


def walkthrough(items: list[DemoAsset], rounds: int | None = None) -> Iterator[str]:
    """What a person with a wand scans, round after round: location labels, asset labels, a
    misplaced asset, a label nobody registered, and checkouts and checkins at the tool crib."""
    rng = random.Random(11)
    zones = sorted({a.home for a in items if not a.rfid})
    crew = [p["code"] for p in people()]
    done = 0
    while rounds is None or done < rounds:
        for zone in zones:
            yield f"LOC:{zone}"
            here = [a for a in items if a.home == zone]
            yield from (a.asset_tag for a in rng.sample(here, k=max(1, len(here) * 4 // 5)))
            if rng.random() < 0.5:
                yield rng.choice(items).asset_tag  # misplaced: seen away from home
            if rng.random() < 0.3:
                yield f"AST-9{rng.randrange(10**5):05d}"  # a label nobody registered
        tools = [a for a in items if a.home == "WH1-C"]
        yield "LOC:WH1-C"
        yield f"EMP:{rng.choice(crew)}"
        borrowed = rng.sample(tools, k=3)
        yield from (a.asset_tag for a in borrowed)
        yield "CMD:CHECKIN"
        yield borrowed[0].asset_tag
        yield "CMD:DONE"
        done += 1
