"""What should be where: the assets expected in a location subtree (now, or as of an event
time), and every registered identity, for handhelds that audit offline. Set-based queries only:
one statement per list, never one per asset."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session

from sync_server.models import Asset, AssetIdentifier, AssetState, Event, Location
from sync_server.services.registry import descendants, get_location

_A = Asset.__table__  # type: ignore[attr-defined]
_S = AssetState.__table__  # type: ignore[attr-defined]
_L = Location.__table__  # type: ignore[attr-defined]
_I = AssetIdentifier.__table__  # type: ignore[attr-defined]
_E = Event.__table__  # type: ignore[attr-defined]


def scope_of(session: Session, code: str, include_sublocations: bool) -> list[str]:
    """The location codes an audit of `code` covers; 404 for an unknown location."""
    if include_sublocations:
        return descendants(session, code)
    return [get_location(session, code).code]


def _known_now() -> tuple[Any, ColumnElement[Any], Any]:
    home = _L.alias("home")
    joined = _A.outerjoin(_S, _S.c.asset_id == _A.c.id).outerjoin(
        home, home.c.id == _A.c.home_location_id
    )
    return joined, func.coalesce(_S.c.location, home.c.code), home


def expected_now_select(scope: Collection[str]) -> Select[Any]:
    """(asset id, tag, name, expected location) of the active assets whose last-known
    location (home location if never seen) is in `scope`, from the state table."""
    joined, where, _ = _known_now()
    return (
        select(_A.c.id, _A.c.asset_tag, _A.c.name, where.label("location"))
        .select_from(joined)
        .where(_A.c.status == "active", where.in_(list(scope)))
    )


def last_located_as_of(as_of: datetime, exclude_audit: str | None, only_assets: Any = None) -> Any:
    """A subquery of (asset_id, resolved_location): each asset's location by rule 1 at `as_of`
    (of every asset, or of `only_assets`)."""
    # Rule 1 evaluated at `as_of`: each asset's latest located event by event time. Weak reads
    # never move an asset, and the audit's own events must not decide what it expects.
    conds = [
        _E.c.asset_id.is_not(None),
        _E.c.resolved_location.is_not(None),
        _E.c.event_time <= as_of,
        or_(_E.c.weak.is_(None), _E.c.weak.is_(False)),
    ]
    if exclude_audit is not None:
        conds.append(or_(_E.c.audit_id.is_(None), _E.c.audit_id != exclude_audit))
    if only_assets is not None:  # rank only these assets' events (an IN list or a bindparam)
        conds.append(_E.c.asset_id.in_(only_assets))
    rank = (
        func.row_number()
        .over(
            partition_by=_E.c.asset_id,
            order_by=(
                _E.c.event_time.desc(),
                _E.c.device_id.desc(),
                _E.c.stream_id.desc(),
                _E.c.seq.desc(),
            ),
        )
        .label("rn")
    )
    ranked = select(_E.c.asset_id, _E.c.resolved_location, rank).where(and_(*conds)).subquery()
    return select(ranked.c.asset_id, ranked.c.resolved_location).where(ranked.c.rn == 1).subquery()


def expected_as_of_select(
    scope: Collection[str], as_of: datetime, exclude_audit: str | None
) -> Select[Any]:
    """Like `expected_now_select`, but by the history as of `as_of` (event time)."""
    last = last_located_as_of(as_of, exclude_audit)
    home = _L.alias("home")
    where = func.coalesce(last.c.resolved_location, home.c.code)
    joined = _A.outerjoin(last, last.c.asset_id == _A.c.id).outerjoin(
        home, home.c.id == _A.c.home_location_id
    )
    return (
        select(_A.c.id, _A.c.asset_tag, _A.c.name, where.label("location"))
        .select_from(joined)
        .where(_A.c.status == "active", where.in_(list(scope)))
    )


def keys_of(session: Session, asset_ids: Iterable[int] | Select[Any]) -> dict[int, list[str]]:
    """asset id -> identity keys, for the assets `asset_ids` (ids or a select of ids)."""
    stmt = select(_I.c.asset_id, _I.c.key)
    if isinstance(asset_ids, Select):
        stmt = stmt.where(_I.c.asset_id.in_(asset_ids))
    else:
        stmt = stmt.where(_I.c.asset_id.in_(list(asset_ids)))
    out: dict[int, list[str]] = {}
    for aid, key in session.connection().execute(stmt.order_by(_I.c.id)):
        out.setdefault(aid, []).append(key)
    return out


def with_tag_key(asset_tag: str, keys: list[str]) -> list[str]:
    """The asset's keys with its asset tag's own key (`tag/<asset_tag>`, contract 2.2) first."""
    own = f"tag/{asset_tag}"
    return [own, *(k for k in keys if k != own)]


def expected_in(session: Session, scope: Collection[str]) -> list[dict[str, Any]]:
    """The assets expected in `scope` now: tag, name, location and identity keys, by tag."""
    stmt = expected_now_select(scope)
    rows = session.connection().execute(stmt.order_by(_A.c.asset_tag)).all()
    keys = keys_of(session, select(stmt.subquery().c.id))
    return [
        {
            "asset_tag": tag,
            "name": name,
            "location": loc,
            "keys": with_tag_key(tag, keys.get(aid, [])),
        }
        for aid, tag, name, loc in rows
    ]


def identities(session: Session) -> list[dict[str, Any]]:
    """Every registered key with its asset: tag, name, status, last-known location and home
    location (what a handheld needs offline to tell unexpected codes from unknown ones)."""
    joined, where, home = _known_now()
    stmt = (
        select(_A.c.id, _A.c.asset_tag, _A.c.name, _A.c.status, where, home.c.code)
        .select_from(joined)
        .order_by(_A.c.asset_tag)
    )
    conn = session.connection()
    keys: dict[int, list[str]] = {}
    for aid, key in conn.execute(select(_I.c.asset_id, _I.c.key).order_by(_I.c.id)):
        keys.setdefault(aid, []).append(key)
    out: list[dict[str, Any]] = []
    for aid, tag, name, status, loc, home_code in conn.execute(stmt):
        base = {"asset_tag": tag, "name": name, "status": status, "location": loc}
        base["home_location"] = home_code
        out.extend({"key": k, **base} for k in with_tag_key(tag, keys.get(aid, [])))
    return out


def literal_id(audit_id: str) -> Any:
    """`audit_id` as a SQL literal column, for INSERT ... SELECT."""
    return literal(audit_id).label("audit_id")


def expected_now(
    session: Session, code: str, include_sublocations: bool, now: datetime
) -> dict[str, Any]:
    """The body of `GET /locations/{code}/expected`: what is expected there now."""
    codes = scope_of(session, code, include_sublocations)
    assets = expected_in(session, codes)
    return {
        "location": code,
        "include_sublocations": include_sublocations,
        "scope": codes,
        "as_of": now.isoformat(),
        "audit_id": None,
        "count": len(assets),
        "assets": assets,
    }
