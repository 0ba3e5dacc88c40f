"""Read models the UI needs beyond `services.views`: for each unknown code, which devices saw
it and with which symbology (so attaching it reproduces the same key); people's names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from sync_server.models import Event, Person


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
