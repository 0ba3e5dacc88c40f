"""Read models the UI needs beyond `services.views`: for each unknown code, which devices saw
it and with which symbology (so attaching it reproduces the same key); people's names; how
many assets each location holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from sync_server.models import Asset, AssetState, Event, Location, Person


@dataclass
class CodeSightings:
    """The devices that saw one unknown key, and the symbology it was read with."""

    devices: list[str] = field(default_factory=list)
    symbology: str | None = None


def unknown_code_sightings(session: Session, keys: list[str]) -> dict[str, CodeSightings]:
    """key -> devices (sorted) and symbology of its unmatched events, for each of `keys`."""
    out: dict[str, CodeSightings] = {key: CodeSightings() for key in keys}
    if not keys:
        return out
    rows = session.exec(
        select(Event.key, Event.device_id, Event.symbology)
        .where(col(Event.asset_id).is_(None), col(Event.key).in_(keys))
        .distinct()
        .order_by(col(Event.key), col(Event.device_id))
    ).all()
    for key, device_id, symbology in rows:
        seen = out[key]
        if device_id not in seen.devices:
            seen.devices.append(device_id)
        seen.symbology = seen.symbology or symbology
    return out


def person_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """Person code -> name for the registered ones among `codes`."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.exec(select(Person.code, Person.name).where(col(Person.code).in_(wanted)))
    return dict(rows.all())


@dataclass(frozen=True)
class PlaceCounts:
    """How many assets call a location home, and how many were last seen there."""

    home: int = 0
    here: int = 0


def location_asset_counts(session: Session) -> dict[str, PlaceCounts]:
    """Location code -> its asset counts (locations with no assets are absent)."""
    homes = session.exec(
        select(Location.code, func.count())
        .join(Asset, col(Asset.home_location_id) == col(Location.id))
        .group_by(col(Location.code))
    ).all()
    here = session.exec(
        select(AssetState.location, func.count())
        .where(col(AssetState.location).is_not(None))
        .group_by(col(AssetState.location))
    ).all()
    home_by, here_by = dict(homes), {code: n for code, n in here if code is not None}
    return {
        code: PlaceCounts(home=home_by.get(code, 0), here=here_by.get(code, 0))
        for code in set(home_by) | set(here_by)
    }


@dataclass(frozen=True)
class AssetAudit:
    """An audit an asset took part in, and its part in it ("relocated", "expected, read")."""

    id: str
    location: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    part: str


def asset_audits(session: Session, asset_tag: str) -> list[AssetAudit]:
    """The audits `asset_tag` was expected by or read in, newest first."""
    from sync_server.services.audits import core, results

    asset = session.exec(select(Asset).where(Asset.asset_tag == asset_tag)).first()
    if asset is None or asset.id is None:
        return []
    return [
        AssetAudit(a.id, core.location_code(session, a), a.status, a.opened_at, a.closed_at, part)
        for a, part in results.audits_of_asset(session, asset.id, asset.asset_tag)
    ]
