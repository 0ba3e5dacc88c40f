"""One audit as the handheld sees it live: the expected list it started from, every scan, the
last scan held back for undo, and the reconciliation (issue 9, "The field").

Rules of this file: pure, no IO, time passed in as `now`. The live view is
`shared.audits.reconcile` over exactly the events this session lets out to the outbox (plus the
held one, which goes out unless undone), keyed like the server keys them, so the server's
reconciliation of the synced audit equals what the screen shows.

Undo: an audit scan is *held* on the device, undoable, until the next audit scan, until
`undo_window_s` has passed, or until the audit finishes; only then is it committed to the
outbox. An undone scan never leaves the device, so the server never sees it and nothing needs
taking back on the wire. One level: once committed, a scan stays (the outbox is append-only).
The price: a station that dies within `undo_window_s` of a scan loses that one scan.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scanner.events import EventDraft
from scanner.protocols.control import OpenAudit
from scanner.queue.cache import ExpectedList
from shared.audits import (
    AssetRow,
    AuditRead,
    ExpectedAsset,
    Reconciliation,
    Registered,
    evidence_json,
    reconcile,
)
from shared.identifiers import identify

# Verdicts that ring the bell and show in the alarm colour.
ALARMING = frozenset({"unexpected", "unknown"})


@dataclass(frozen=True, slots=True)
class LiveView:
    """The screen's view of an audit: `view()`'s counts and the head of its missing list."""

    part: Reconciliation
    missing_count: int
    missing_head: tuple[AssetRow, ...]
    expected_count: int

    def count(self, category: str) -> int:
        """Rows in `category`, as `view()` would count them."""
        if category == "missing":
            return self.missing_count
        return len(getattr(self.part, category))


@dataclass(frozen=True, slots=True)
class ScanNote:
    """What one audit scan was, for the screen. `verdict`: found, relocated (found away from
    where it is expected), again (found before), unexpected, unknown, weak; `expected_at` is
    where the asset belongs."""

    code: str
    verdict: str
    asset_tag: str | None = None
    name: str | None = None
    location: str | None = None
    expected_at: str | None = None
    source: str = "wand"

    @property
    def alarming(self) -> bool:
        """Whether the screen rings the bell for it."""
        return self.verdict in ALARMING


def key_of(code: str, symbology: str | None) -> str:
    """The canonical key the server gives `code` (contract 1); undecodable: `invalid/<code>`."""
    try:
        return identify(code, symbology).key
    except Exception:
        # The server keeps an undecodable code as an unknown code under this key.
        return f"invalid/{code}"


def to_read(draft: EventDraft, device_id: str | None) -> AuditRead:
    """The reconciliation's view of one audit event."""
    return AuditRead(
        key=key_of(draft.code, draft.symbology),
        code=draft.code,
        location=draft.location,
        source=draft.source,
        observed_at=draft.observed_at,
        device_id=device_id,
        operator=draft.operator,
        rssi=draft.rssi,
        read_count=draft.read_count,
        weak=bool(draft.weak),
    )


def read_to_json(read: AuditRead) -> dict[str, Any]:
    """One audit read as JSON, for the station's audit journal."""
    return {**evidence_json(read), "key": read.key}


def read_from_json(data: dict[str, Any]) -> AuditRead:
    """The inverse of `read_to_json`."""
    return AuditRead(
        key=data["key"],
        code=data["code"],
        location=data.get("location"),
        source=data["source"],
        observed_at=datetime.fromisoformat(data["observed_at"]),
        device_id=data.get("device_id"),
        operator=data.get("operator"),
        rssi=data.get("rssi"),
        read_count=data.get("read_count", 1),
        weak=bool(data.get("weak")),
    )


class AuditSession:
    """The live state of one open audit on this station."""

    def __init__(
        self,
        audit: OpenAudit,
        expected: ExpectedList,
        registered: Mapping[str, Registered],
        *,
        device_id: str | None = None,
        undo_window_s: float = 5.0,
        history: int = 200,
    ) -> None:
        self.audit = audit
        self.expected = expected
        self.registered = registered
        self.device_id = device_id
        self.undo_window_s = undo_window_s
        self.finished = False
        self.notes: deque[ScanNote] = deque(maxlen=history)
        self._by_tag = {asset.asset_tag: asset for asset in expected.assets}
        self._by_key = {key: asset for asset in expected.assets for key in asset.keys}
        # Expected assets no scan has touched are missing, row for row as `reconcile` makes
        # them; only the touched ones need reconciling on each change (10,000 expected).
        self._untouched = {
            asset.asset_tag: AssetRow(asset.asset_tag, asset.location, None, None, 0, asset.name)
            for asset in sorted(expected.assets, key=lambda a: a.asset_tag)
        }
        self._touched: dict[str, ExpectedAsset] = {}
        self._reads: list[AuditRead] = []
        self._strong: set[str] = set()
        self._held: tuple[EventDraft, AuditRead, float] | None = None
        self._view: Reconciliation | None = None
        self.scans = 0

    def add(self, draft: EventDraft, now: float) -> tuple[ScanNote, list[EventDraft]]:
        """Take one audit scan; its note, and the scan it displaces from the hold (to commit)."""
        released = self.release()
        read = to_read(draft, self.device_id)
        note = self._note(read)
        asset = self._expected_for(read.key)
        if asset is not None:
            self._touched[asset.asset_tag] = asset
        self._held = (draft, read, now)
        self._view = None
        self.scans += 1
        self.notes.append(note)
        return note, released

    def restore(self, reads: list[AuditRead]) -> None:
        """Take back the scans a restarted station had already let out (none held)."""
        for read in reads:
            self.notes.append(self._note(read))
            asset = self._expected_for(read.key)
            if asset is not None:
                self._touched[asset.asset_tag] = asset
        self._reads.extend(reads)
        self.scans += len(reads)
        self._view = None

    def undo(self) -> ScanNote | None:
        """Take back the held scan (it never leaves the device); None when nothing is held."""
        if self._held is None:
            return None
        self._held = None
        self._view = None
        self.scans -= 1
        self._strong = {
            asset.asset_tag
            for r in self._reads
            if not r.weak and (asset := self._expected_for(r.key)) is not None
        }
        self._touched = {
            asset.asset_tag: asset
            for r in self._reads
            if (asset := self._expected_for(r.key)) is not None
        }
        return self.notes.pop()

    def held(self) -> ScanNote | None:
        """The scan that undo would take back."""
        return self.notes[-1] if self._held is not None and self.notes else None

    def due(self, now: float) -> list[EventDraft]:
        """The held scan, once `undo_window_s` has passed (to commit now)."""
        if self._held is not None and now - self._held[2] >= self.undo_window_s:
            return self.release()
        return []

    def release(self) -> list[EventDraft]:
        """Let the held scan go: it is committed and can no longer be undone."""
        if self._held is None:
            return []
        draft, read, _ = self._held
        self._held = None
        self._reads.append(read)
        return [draft]

    def view(self) -> Reconciliation:
        """The reconciliation of every scan so far, held one included: what the server will
        answer for this audit (expected assets nobody scanned are missing)."""
        part = self._part()
        unread = [row for tag, row in self._untouched.items() if tag not in self._touched]
        return replace(
            part,
            missing=tuple(sorted([*part.missing, *unread], key=_by_asset)),
            expected_count=len(self._by_tag),
        )

    def live(self, rows: int) -> LiveView:
        """What the screen shows, cheaply: the counts of `view()` and its first `rows`
        missing assets, without sorting 10,000 untouched rows on every scan."""
        part = self._part()
        unread = (row for tag, row in self._untouched.items() if tag not in self._touched)
        head = tuple(itertools.islice(heapq.merge(part.missing, unread, key=_by_asset), rows))
        untouched = len(self._by_tag) - len(self._touched)
        return LiveView(part, len(part.missing) + untouched, head, len(self._by_tag))

    def _part(self) -> Reconciliation:
        if self._view is None:
            reads = self._reads if self._held is None else [*self._reads, self._held[1]]
            touched = [self._by_tag[tag] for tag in sorted(self._touched)]
            self._view = reconcile(touched, reads, self.registered, self.expected.scope)
        return self._view

    def _expected_for(self, key: str) -> ExpectedAsset | None:
        # As `reconcile` groups reads: by an expected key, else by the registered asset's tag.
        asset = self._by_key.get(key)
        if asset is None and (reg := self.registered.get(key)) is not None:
            asset = self._by_tag.get(reg.asset_tag)
        return asset

    def _note(self, read: AuditRead) -> ScanNote:
        asset = self._expected_for(read.key)
        if asset is not None:
            if read.weak:
                verdict = "weak"
            elif asset.asset_tag in self._strong:
                verdict = "again"
            else:
                moved = (
                    None not in (read.location, asset.location) and read.location != asset.location
                )
                verdict = "relocated" if moved else "found"
                self._strong.add(asset.asset_tag)
            return self._make(read, verdict, asset.asset_tag, asset.name, asset.location)
        reg = self.registered.get(read.key)
        if reg is None:
            return self._make(read, "weak" if read.weak else "unknown", None, None, None)
        if read.weak:
            return self._make(read, "weak", reg.asset_tag, reg.name, None)
        return self._make(read, "unexpected", reg.asset_tag, reg.name, reg.location)

    @staticmethod
    def _make(
        read: AuditRead, verdict: str, tag: str | None, name: str | None, expected_at: str | None
    ) -> ScanNote:
        return ScanNote(read.code, verdict, tag, name, read.location, expected_at, read.source)


def _by_asset(row: AssetRow) -> str:
    return row.asset_tag
