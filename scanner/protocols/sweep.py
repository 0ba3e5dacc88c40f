"""Weak RFID reads in an audit sweep: a handheld UHF reader walked through a room also reads
the neighbours' tags through the walls, faintly and rarely (issue 9, "RFID sweep").

Rules of this file: pure, no clock. One `SweepJudge` per audit. Each sighting of a tag adds
its reads and its peak RSSI to that tag's totals over the sweep. A sighting is *weak* when
the tag's peak RSSI over the sweep so far is below `rssi_dbm` AND its reads so far are fewer
than `read_fraction` times the median reads per tag of the sweep so far. While the sweep has
fewer than `min_tags` tags there is no median to compare with, and low RSSI alone decides. A
tag read once strongly is never weak again (its peak stays); a read without RSSI is never
weak (there is nothing to judge). Without `rssi_dbm` nothing is weak.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from scanner.events import EventDraft
from scanner.protocols.control import OpenAudit


@dataclass(frozen=True, slots=True)
class WeakConfig:
    """Thresholds, from the reader's profile and overridden per station and per source."""

    rssi_dbm: float | None = None
    read_fraction: float = 0.25
    min_tags: int = 3


class SweepJudge:
    """Judges each RFID sighting of one audit: `weak` or counted."""

    def __init__(self, config: WeakConfig) -> None:
        self.config = config
        self._peak: dict[str, float] = {}
        self._reads: dict[str, int] = {}

    def judge(self, code: str, rssi: float | None, read_count: int) -> bool:
        """Add one sighting of `code` to the sweep; whether it is weak."""
        reads = self._reads[code] = self._reads.get(code, 0) + max(1, read_count)
        if rssi is not None and (code not in self._peak or rssi > self._peak[code]):
            self._peak[code] = rssi
        threshold = self.config.rssi_dbm
        peak = self._peak.get(code)
        if threshold is None or peak is None or peak >= threshold:
            return False
        if len(self._reads) < self.config.min_tags:
            return True
        return reads < self.config.read_fraction * statistics.median(self._reads.values())

    def tags(self) -> int:
        """How many distinct tags the sweep has read."""
        return len(self._reads)


class SweepStamp:
    """One RFID source's sightings in the station's open audit: they get its id and its
    current location, and a `weak` verdict from a judge that starts afresh with each audit."""

    def __init__(self, config: WeakConfig) -> None:
        self.config = config
        self._audit_id: str | None = None
        self._judge = SweepJudge(config)

    def stamp(self, draft: EventDraft, audit: tuple[OpenAudit, str | None] | None) -> EventDraft:
        """`draft` as it joins `audit` ((audit, current location), None: no audit open)."""
        if audit is None:
            return draft
        opened, location = audit
        if opened.audit_id != self._audit_id:
            self._audit_id, self._judge = opened.audit_id, SweepJudge(self.config)
        weak = self._judge.judge(draft.code, draft.rssi, draft.read_count)
        return replace(
            draft, audit_id=opened.audit_id, location=location or opened.location, weak=weak
        )
