"""Event time from device clocks (contract 2.2 rule 3), kept small: a monotonic-clock anchor per
(device, boot) taken at each sync, and the rule that decides which clock an event's time uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import tuple_
from sqlmodel import Session, select

from sync_server.models import ClockAnchor

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
FLAG_CORRECTED = "clock-corrected"
FLAG_FUTURE = "future"


@dataclass(frozen=True)
class Anchor:
    """server time ~= mono_ns + offset_ns, within error_ns."""

    offset_ns: int
    error_ns: int


def to_ns(t: datetime) -> int:
    """Nanoseconds since the Unix epoch of an aware datetime (microsecond precision)."""
    return ((t - _EPOCH) // _ONE_US) * 1000


def from_ns(ns: int) -> datetime:
    """The aware UTC datetime for `ns` since the epoch, truncated to microseconds."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def anchor_from_sync(clock_mono_ns: int, receipt: datetime, error_ns: int) -> Anchor:
    """The anchor a sync request gives: the device's monotonic clock read `clock_mono_ns` when
    it sent the request, which the server received at `receipt`."""
    return Anchor(offset_ns=to_ns(receipt) - clock_mono_ns, error_ns=max(error_ns, 0))


def event_time(
    observed_at: datetime,
    mono_ns: int,
    anchor: Anchor | None,
    receipt: datetime,
    tolerance_ns: int,
) -> tuple[datetime, str | None]:
    """The time an event is ordered by, and its flag: the wall clock `observed_at` unless the
    boot's anchor disagrees by more than `tolerance_ns` (then the anchor's estimate,
    "clock-corrected"); anything after `receipt` becomes `receipt` ("future")."""
    if anchor is not None:
        wall_ns = to_ns(observed_at)
        estimate = mono_ns + anchor.offset_ns
        if abs(estimate - wall_ns) > tolerance_ns + anchor.error_ns:
            if estimate > to_ns(receipt):
                return receipt, FLAG_FUTURE
            # Before 1970 is impossible for any event this system sees: the epoch is a floor.
            return from_ns(max(estimate, 0)), FLAG_CORRECTED
    if observed_at > receipt:
        return receipt, FLAG_FUTURE
    return observed_at, None


def load_anchors(session: Session, device_id: str, boot_ids: set[str]) -> dict[str, Anchor]:
    """The stored anchors of `device_id` for `boot_ids`."""
    if not boot_ids:
        return {}
    rows = session.exec(
        select(ClockAnchor).where(
            tuple_(ClockAnchor.device_id, ClockAnchor.boot_id).in_(
                [(device_id, b) for b in sorted(boot_ids)]
            )
        )
    ).all()
    return {r.boot_id: Anchor(r.offset_ns, r.error_ns) for r in rows}


def store_anchor(
    session: Session, device_id: str, boot_id: str, anchor: Anchor, now: datetime
) -> None:
    """Keep `anchor` as the newest anchor of (device, boot); one upsert, safe under races."""
    from sync_server.services.bulk import dialect_insert

    values = {"offset_ns": anchor.offset_ns, "error_ns": anchor.error_ns, "updated_at": now}
    stmt = dialect_insert(session, ClockAnchor.__table__).values(  # type: ignore[attr-defined]
        device_id=device_id, boot_id=boot_id, **values
    )
    stmt = stmt.on_conflict_do_update(index_elements=["device_id", "boot_id"], set_=values)
    session.connection().execute(stmt)
