"""The location tree as the UI shows it: depth-first order with depth, ancestors, and the
options of a "where" select box. Pure functions over `LocationOut` lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync_server.services.schemas import LocationOut


@dataclass(frozen=True)
class TreeRow:
    """One location in tree order, `depth` levels below a top-level location."""

    loc: LocationOut
    depth: int


def location_tree(locations: Iterable[LocationOut]) -> list[TreeRow]:
    """Every location depth-first (children by code), each after its parent."""
    locs = sorted(locations, key=lambda loc: loc.code)
    codes = {loc.code for loc in locs}
    children: dict[str | None, list[LocationOut]] = {}
    for loc in locs:
        parent = loc.parent if loc.parent in codes else None
        children.setdefault(parent, []).append(loc)
    out: list[TreeRow] = []
    seen: set[str] = set()
    stack = [TreeRow(loc, 0) for loc in reversed(children.get(None, []))]
    while stack:
        row = stack.pop()
        if row.loc.code in seen:
            continue
        seen.add(row.loc.code)
        out.append(row)
        stack.extend(TreeRow(c, row.depth + 1) for c in reversed(children.get(row.loc.code, [])))
    # A cycle (impossible through the services, but a hand-edited database) still shows.
    out.extend(TreeRow(loc, 0) for loc in locs if loc.code not in seen)
    return out


def subtree(tree: list[TreeRow], code: str) -> set[str]:
    """`code` and the codes of every location below it."""
    out: set[str] = set()
    inside_depth: int | None = None
    for row in tree:
        if inside_depth is not None and row.depth <= inside_depth:
            break
        if row.loc.code == code:
            inside_depth = row.depth
        if inside_depth is not None:
            out.add(row.loc.code)
    return out


def ancestors(locations: Iterable[LocationOut], code: str) -> list[str]:
    """The codes above `code`, from the top of the tree down to its parent."""
    parents = {loc.code: loc.parent for loc in locations}
    path: list[str] = []
    current = parents.get(code)
    while current is not None and current not in path and current != code:
        path.append(current)
        current = parents.get(current)
    return list(reversed(path))
