"""Audit reconciliation (contract 2.3): a pure function of (expected list, audit reads,
register lookups) that the server and the handheld both call, so the handheld's live view and
the server's answer cannot drift.

Rules of this module:
- An asset is *found* when it is expected and has at least one read that is not weak.
- It is *relocated* (and still found) when none of its strong reads is at its expected
  location and its latest strong read is at another location of the audit's scope.
- An expected asset with only weak reads is *missing* and *weak*; an unexpected one with only
  weak reads is only *weak* (a neighbour read through the wall is not evidence it is here).
- *unexpected*: registered, not expected, read strongly; each row says where it was expected.
- *unknown_codes*: strongly read codes that match no asset (weak unknown reads are ignored).
- The evidence of a row is its deciding read: for found, a strong read at the expected
  location if any, else the latest strong read; for weak, the read with the highest RSSI.
No IO, no clock: everything comes in as arguments.
"""

from __future__ import annotations

import contextlib
import gc
import operator
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

CATEGORIES = ("found", "missing", "unexpected", "unknown_codes", "relocated", "weak")


@dataclass(frozen=True, slots=True)
class ExpectedAsset:
    """An asset the audit expects, its identity keys and where it is expected."""

    asset_tag: str
    keys: tuple[str, ...] = ()
    location: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered asset as a lookup answers it: its tag and where it is expected to be."""

    asset_tag: str
    location: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRead:
    """One read that belongs to an audit. `key` is the canonical key of `code` (contract 1);
    `weak` is set by the edge for RFID reads too weak to count as found."""

    key: str
    code: str
    location: str | None
    source: str
    observed_at: datetime
    device_id: str | None = None
    operator: str | None = None
    rssi: float | None = None
    read_count: int = 1
    weak: bool = False


def evidence_json(read: AuditRead) -> dict[str, Any]:
    """The evidence one read gives, as a JSON object (times as RFC 3339)."""
    return {
        "device_id": read.device_id,
        "operator": read.operator,
        "observed_at": read.observed_at.isoformat(),
        "location": read.location,
        "source": read.source,
        "code": read.code,
        "rssi": read.rssi,
        "read_count": read.read_count,
        "weak": read.weak,
    }


class AssetRow(NamedTuple):
    """One asset in a category: where it was expected, where it was seen, and the deciding
    read as evidence (a NamedTuple: 100,000 of them are built per reconciliation)."""

    asset_tag: str
    expected_location: str | None
    seen_location: str | None = None
    evidence: AuditRead | None = None
    reads: int = 0
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON object."""
        return {
            "asset_tag": self.asset_tag,
            "name": self.name,
            "expected_location": self.expected_location,
            "seen_location": self.seen_location,
            "reads": self.reads,
            "evidence": evidence_json(self.evidence) if self.evidence else None,
        }


class UnknownRow(NamedTuple):
    """A code read in the audit that matches no asset."""

    code: str
    key: str
    evidence: AuditRead
    reads: int = 1

    def to_json(self) -> dict[str, Any]:
        """A JSON object."""
        return {
            "code": self.code,
            "key": self.key,
            "reads": self.reads,
            "evidence": evidence_json(self.evidence),
        }


@dataclass(frozen=True)
class Reconciliation:
    """The answer to an audit: each category sorted by asset tag (unknown codes by code)."""

    found: tuple[AssetRow, ...] = ()
    missing: tuple[AssetRow, ...] = ()
    unexpected: tuple[AssetRow, ...] = ()
    unknown_codes: tuple[UnknownRow, ...] = ()
    relocated: tuple[AssetRow, ...] = ()
    weak: tuple[AssetRow, ...] = ()
    expected_count: int = 0

    def counts(self) -> dict[str, int]:
        """Rows per category, plus `expected`."""
        out = {name: len(getattr(self, name)) for name in CATEGORIES}
        out["expected"] = self.expected_count
        return out

    def to_json(self) -> dict[str, Any]:
        """The contract's keys as lists of asset tags (and codes), with `relocated` and `weak`
        as objects, `counts`, and every category's rows with evidence under `details`."""
        return {
            "found": [r.asset_tag for r in self.found],
            "missing": [r.asset_tag for r in self.missing],
            "unexpected": [r.asset_tag for r in self.unexpected],
            "unknown_codes": [r.code for r in self.unknown_codes],
            "relocated": [r.to_json() for r in self.relocated],
            "weak": [r.to_json() for r in self.weak],
            "counts": self.counts(),
            "details": {
                name: [r.to_json() for r in getattr(self, name)]
                for name in ("found", "missing", "unexpected", "unknown_codes")
            },
        }


def _latest(reads: list[AuditRead]) -> AuditRead:
    # Ties keep the earlier read in input order, so the answer does not depend on set order.
    best = reads[0]
    for r in reads[1:]:
        if r.observed_at > best.observed_at:
            best = r
    return best


def _strongest(reads: list[AuditRead]) -> AuditRead:
    best = reads[0]
    for r in reads[1:]:
        if (r.rssi if r.rssi is not None else -1e9) > (
            best.rssi if best.rssi is not None else -1e9
        ):
            best = r
    return best


def _key_index(
    expected: Iterable[ExpectedAsset],
) -> tuple[dict[str, ExpectedAsset], dict[str, str]]:
    by_tag: dict[str, ExpectedAsset] = {}
    by_key: dict[str, str] = {}
    for e in expected:
        by_tag[e.asset_tag] = e
        for k in e.keys:
            by_key[k] = e.asset_tag
    return by_tag, by_key


def _group(
    reads: Iterable[AuditRead],
    by_key: Mapping[str, str],
    registered: Mapping[str, Registered],
) -> tuple[dict[str, list[AuditRead]], dict[str, list[AuditRead]], dict[str, Registered]]:
    seen: dict[str, list[AuditRead]] = {}
    unknown: dict[str, list[AuditRead]] = {}
    info: dict[str, Registered] = {}
    for read in reads:
        tag = by_key.get(read.key)
        if tag is None:
            reg = registered.get(read.key)
            if reg is None:
                if not read.weak:
                    unknown.setdefault(read.key, []).append(read)
                continue
            tag = reg.asset_tag
            info.setdefault(tag, reg)
        group = seen.get(tag)
        if group is None:
            seen[tag] = [read]
        else:
            group.append(read)
    return seen, unknown, info


def _split(group: list[AuditRead]) -> tuple[list[AuditRead], list[AuditRead]]:
    if len(group) == 1:
        return ([], group) if group[0].weak else (group, [])
    return [r for r in group if not r.weak], [r for r in group if r.weak]


def _found_row(
    exp: ExpectedAsset, strong: list[AuditRead], scope: Collection[str] | None
) -> tuple[AssetRow, bool]:
    if len(strong) == 1:  # the common case, without building lists
        best = strong[0]
        at_home = best.location == exp.location
    else:
        home = [r for r in strong if r.location == exp.location]
        at_home = bool(home)
        best = _latest(home or strong)
    row = AssetRow(exp.asset_tag, exp.location, best.location, best, len(strong), exp.name)
    if at_home or exp.location is None or best.location is None:
        return row, False
    return row, scope is None or best.location in scope


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building 100,000s of acyclic rows otherwise
    triggers collection after collection (measured: about half the time). Refcounting still
    frees everything; the collector's previous state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Result:
    found: list[AssetRow]
    missing: list[AssetRow]
    relocated: list[AssetRow]
    weak: list[AssetRow]
    unexpected: list[AssetRow]


def _classify_expected(
    out: _Result,
    by_tag: Mapping[str, ExpectedAsset],
    seen: Mapping[str, list[AuditRead]],
    scope: Collection[str] | None,
) -> None:
    # The hot loop (once per expected asset): rows are built with tuple.__new__, and the
    # single strong read at the expected location, by far the common case, takes no calls.
    new, missing, found = tuple.__new__, out.missing.append, out.found.append
    for tag, exp in by_tag.items():
        group = seen.get(tag)
        if group is None:
            missing(new(AssetRow, (tag, exp.location, None, None, 0, exp.name)))
            continue
        if len(group) == 1 and not group[0].weak and group[0].location == exp.location:
            read = group[0]
            found(new(AssetRow, (tag, exp.location, read.location, read, 1, exp.name)))
            continue
        strong, weak = _split(group)
        if strong:
            row, moved = _found_row(exp, strong, scope)
            found(row)
            if moved:
                out.relocated.append(row)
            continue
        best = _strongest(weak)
        missing(AssetRow(tag, exp.location, None, None, 0, exp.name))
        out.weak.append(AssetRow(tag, exp.location, best.location, best, len(weak), exp.name))


def _classify_others(
    out: _Result,
    by_tag: Mapping[str, ExpectedAsset],
    seen: Mapping[str, list[AuditRead]],
    info: Mapping[str, Registered],
) -> None:
    for tag, group in seen.items():
        if tag in by_tag:
            continue
        reg = info[tag]
        strong, weak = _split(group)
        if strong:
            best = _latest(strong)
            row = AssetRow(tag, reg.location, best.location, best, len(strong), reg.name)
            out.unexpected.append(row)
        else:
            best = _strongest(weak)
            out.weak.append(AssetRow(tag, reg.location, best.location, best, len(weak), reg.name))


_by_asset = operator.itemgetter(0)  # AssetRow.asset_tag, without a Python call per row
_by_code = operator.itemgetter(0, 1)  # UnknownRow (code, key)


def reconcile(
    expected: Iterable[ExpectedAsset],
    reads: Iterable[AuditRead],
    registered: Mapping[str, Registered],
    scope: Collection[str] | None = None,
) -> Reconciliation:
    """Reconcile an audit. `registered` maps keys to assets for the reads whose key is not one
    of an expected asset's `keys` (a key mapping to an expected asset's tag counts for it).
    `scope` is the set of location codes the audit covers (None: do not check)."""
    with paused_gc():
        return _reconcile(expected, reads, registered, scope)


def _reconcile(
    expected: Iterable[ExpectedAsset],
    reads: Iterable[AuditRead],
    registered: Mapping[str, Registered],
    scope: Collection[str] | None,
) -> Reconciliation:
    by_tag, by_key = _key_index(expected)
    seen, unknown, info = _group(reads, by_key, registered)
    out = _Result([], [], [], [], [])
    _classify_expected(out, by_tag, seen, scope)
    _classify_others(out, by_tag, seen, info)
    unknown_rows = [
        UnknownRow(group[0].code, key, _latest(group), len(group)) for key, group in unknown.items()
    ]
    return Reconciliation(
        found=tuple(sorted(out.found, key=_by_asset)),
        missing=tuple(sorted(out.missing, key=_by_asset)),
        unexpected=tuple(sorted(out.unexpected, key=_by_asset)),
        unknown_codes=tuple(sorted(unknown_rows, key=_by_code)),
        relocated=tuple(sorted(out.relocated, key=_by_asset)),
        weak=tuple(sorted(out.weak, key=_by_asset)),
        expected_count=len(by_tag),
    )


__all__ = [
    "CATEGORIES",
    "AssetRow",
    "AuditRead",
    "ExpectedAsset",
    "Reconciliation",
    "Registered",
    "UnknownRow",
    "evidence_json",
    "paused_gc",
    "reconcile",
]
