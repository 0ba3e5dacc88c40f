"""The register: locations (a tree), people, read points and assets with their identifiers
(contract 2.2). Everything is identified by its code; nothing here commits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from sync_server.models import Asset, AssetIdentifier, Location, Person, ReadPoint
from sync_server.services import Conflict, InvalidInput, NotFound, money
from sync_server.services.identities import check_asset_tag, claim_key, claim_tag, release_tag
from sync_server.services.schemas import (
    ASSET_STATUSES,
    AssetFields,
    AssetIn,
    AssetPatch,
    IdentifierIn,
    LocationIn,
    LocationOut,
    LocationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    ReadPointIn,
    ReadPointOut,
    ReadPointPatch,
)

__all__ = [
    "AssetIn",
    "AssetPatch",
    "IdentifierIn",
    "LocationIn",
    "LocationOut",
    "LocationPatch",
    "PersonIn",
    "PersonOut",
    "PersonPatch",
    "ReadPointIn",
    "ReadPointOut",
    "ReadPointPatch",
]


def _now() -> datetime:
    return datetime.now(UTC)


_Row = TypeVar("_Row", bound=SQLModel)


def _get_by_code(session: Session, model: type[_Row], column: Any, code: str, what: str) -> _Row:
    """The `model` row whose `column` is `code`; 404 naming `what` if there is none."""
    row = session.exec(select(model).where(column == code)).first()
    if row is None:
        raise NotFound(f"no {what} {code!r}")
    return row


def _flushed(session: Session, row: _Row) -> _Row:
    """`row` added and flushed (ids assigned), not committed."""
    session.add(row)
    session.flush()
    return row


def get_location(session: Session, code: str) -> Location:
    """The location `code`; 404 if unknown."""
    return _get_by_code(session, Location, Location.code, code, "location")


def _ref_location(session: Session, code: str | None, what: str) -> int | None:
    if code is None:
        return None
    row = session.exec(select(Location).where(Location.code == code)).first()
    if row is None:
        raise InvalidInput(f"{what}: no location {code!r}; create it first")
    return row.id


def _check_unique(session: Session, model: Any, column: Any, value: Any, what: str) -> None:
    if value is not None and session.exec(select(model).where(column == value)).first():
        raise Conflict(f"{what} {value!r} already exists")


def create_location(session: Session, data: LocationIn) -> Location:
    """Create a location under `parent`; 409 for a taken code or GLN."""
    _check_unique(session, Location, Location.code, data.code, "location")
    _check_unique(session, Location, Location.gln, data.gln, "a location with GLN")
    row = Location(
        code=data.code,
        name=data.name,
        parent_id=_ref_location(session, data.parent, "parent"),
        gln=data.gln,
    )
    return _flushed(session, row)


def update_location(session: Session, code: str, data: LocationPatch) -> Location:
    """Change a location; moving it under itself or a descendant is a 409."""
    row = get_location(session, code)
    fields = data.model_dump(exclude_unset=True)
    if "name" in fields and data.name is not None:
        row.name = data.name
    if "gln" in fields and data.gln != row.gln:
        _check_unique(session, Location, Location.gln, data.gln, "a location with GLN")
        row.gln = data.gln
    if "parent" in fields:
        parent_id = _ref_location(session, data.parent, "parent")
        if parent_id is not None and row.id in _ancestors(session, parent_id):
            raise Conflict(f"location {code!r} cannot move under itself or its own sublocation")
        row.parent_id = parent_id
    return _flushed(session, row)


def _ancestors(session: Session, location_id: int) -> set[int]:
    parents = dict(session.exec(select(Location.id, Location.parent_id)).all())
    seen: set[int] = set()
    current: int | None = location_id
    while current is not None and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return seen


def descendants(session: Session, code: str) -> list[str]:
    """The codes of `code` and every location below it."""
    root = get_location(session, code)
    rows = session.exec(select(Location.id, Location.parent_id, Location.code)).all()
    children: dict[int | None, list[tuple[int | None, str]]] = {}
    for lid, parent, lcode in rows:
        children.setdefault(parent, []).append((lid, lcode))
    out, stack = [root.code], [root.id]  # ids are never None once stored
    while stack:
        for lid, lcode in children.get(stack.pop(), []):
            out.append(lcode)
            stack.append(lid)
    return out


def get_person(session: Session, code: str) -> Person:
    """The person `code`; 404 if unknown."""
    return _get_by_code(session, Person, Person.code, code, "person")


def create_person(session: Session, data: PersonIn) -> Person:
    """Create a person; 409 for a taken code."""
    _check_unique(session, Person, Person.code, data.code, "person")
    row = Person(code=data.code, name=data.name, email=data.email, active=data.active)
    return _flushed(session, row)


def update_person(session: Session, code: str, data: PersonPatch) -> Person:
    """Change a person."""
    row = get_person(session, code)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None or name == "email":
            setattr(row, name, value)
    return _flushed(session, row)


def get_read_point(session: Session, code: str) -> ReadPoint:
    """The read point `code`; 404 if unknown."""
    return _get_by_code(session, ReadPoint, ReadPoint.code, code, "read point")


def create_read_point(session: Session, data: ReadPointIn) -> ReadPoint:
    """Create a read point; its locations must exist."""
    _check_unique(session, ReadPoint, ReadPoint.code, data.code, "read point")
    row = ReadPoint(
        code=data.code,
        name=data.name,
        location_id=_ref_location(session, data.location, "location"),
        inside_id=_ref_location(session, data.inside, "inside"),
        outside_id=_ref_location(session, data.outside, "outside"),
    )
    return _flushed(session, row)


def update_read_point(session: Session, code: str, data: ReadPointPatch) -> ReadPoint:
    """Change a read point (a location given as null is cleared)."""
    row = get_read_point(session, code)
    fields = data.model_dump(exclude_unset=True)
    if "name" in fields:
        row.name = data.name
    for name in ("location", "inside", "outside"):
        if name in fields:
            setattr(row, f"{name}_id", _ref_location(session, fields[name], name))
    return _flushed(session, row)


# -- assets ----------------------------------------------------------------------------------


def get_asset(session: Session, asset_tag: str) -> Asset:
    """The asset `asset_tag`; 404 if unknown."""
    return _get_by_code(session, Asset, Asset.asset_tag, asset_tag, "asset")


def _check_status(status: str | None) -> None:
    if status is not None and status not in ASSET_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(ASSET_STATUSES)}")


def create_asset(session: Session, data: AssetIn) -> Asset:
    """Create an asset with its identities (its tag, EPC and barcode), claiming the earlier
    unknown-code events that carried any of them; 409 for a taken tag or key, naming both."""
    check_asset_tag(data.asset_tag)
    _check_unique(session, Asset, Asset.asset_tag, data.asset_tag, "asset")
    _check_status(data.status)
    now = _now()
    extra = data.model_dump(
        exclude={"asset_tag", "name", "status", "home_location", "epc", "barcode", "usage"}
    )
    row = Asset(
        asset_tag=data.asset_tag,
        name=data.name,
        status=data.status or "active",
        home_location_id=_ref_location(session, data.home_location, "home_location"),
        created_at=now,
        updated_at=now,
        **extra,
    )
    session.add(row)
    session.flush()
    money.apply_money_fields(session, row, data.usage)
    claim_tag(session, row)
    _add_form_identifiers(session, row, data)
    return row


def update_asset(session: Session, asset_tag: str, data: AssetPatch) -> Asset:
    """Change an asset; a given `epc`/`barcode` is attached as another identifier, and a new
    `asset_tag` renames it (the new tag becomes its identity, the old one stops being one)."""
    row = get_asset(session, asset_tag)
    fields = data.model_dump(exclude_unset=True, exclude={"epc", "barcode", "usage"})
    _check_status(fields.get("status"))
    new_tag = fields.pop("asset_tag", None)
    if new_tag is not None and new_tag != row.asset_tag:
        _rename(session, row, new_tag)
    if "home_location" in fields:
        row.home_location_id = _ref_location(session, fields.pop("home_location"), "home")
    for name, value in fields.items():
        if value is not None or name not in ("name", "status"):
            setattr(row, name, value)
    row.updated_at = _now()
    session.add(row)
    session.flush()
    money.apply_money_fields(session, row, data.usage)
    _add_form_identifiers(session, row, data)
    return row


def _rename(session: Session, row: Asset, new_tag: str) -> None:
    check_asset_tag(new_tag)
    _check_unique(session, Asset, Asset.asset_tag, new_tag, "asset")
    old_tag, row.asset_tag = row.asset_tag, new_tag
    release_tag(session, row, old_tag)
    session.add(row)
    session.flush()
    claim_tag(session, row)


def _add_form_identifiers(session: Session, asset: Asset, data: AssetFields) -> None:
    if data.epc is not None:
        attach_identifier(session, asset, data.epc, "epc")
    if data.barcode is not None:
        attach_identifier(session, asset, data.barcode, None)


def attach_identifier(
    session: Session, asset: Asset, code: str, symbology: str | None
) -> AssetIdentifier:
    """Give `asset` another scannable identity and re-resolve that key's past unknown-code
    events to it; 422 for a code that does not identify, 409 naming both assets for a key
    another asset holds."""
    from shared.identifiers import IdentifierError, identify

    try:
        ident = identify(code, symbology)
    except IdentifierError as err:
        raise InvalidInput(f"{code!r} is not a valid identifier: {err}") from err
    if ident.role in ("location", "person", "command"):
        raise InvalidInput(f"{code!r} is a {ident.role} label, not an asset identifier")
    return claim_key(session, asset, ident.scheme, code, ident.key)


def identifiers_of(session: Session, asset_ids: list[int]) -> dict[int, list[AssetIdentifier]]:
    """The identifiers of each asset, oldest first."""
    out: dict[int, list[AssetIdentifier]] = {a: [] for a in asset_ids}
    if asset_ids:
        rows = session.exec(
            select(AssetIdentifier)
            .where(col(AssetIdentifier.asset_id).in_(asset_ids))
            .order_by(col(AssetIdentifier.id))
        ).all()
        for row in rows:
            out[row.asset_id].append(row)
    return out


def _code_of(session: Session, location_id: int | None) -> str | None:
    if location_id is None:
        return None
    row = session.get(Location, location_id)
    return row.code if row else None


def location_out(session: Session, row: Location) -> LocationOut:
    """The API view of a location."""
    return LocationOut(
        code=row.code, name=row.name, parent=_code_of(session, row.parent_id), gln=row.gln
    )


def person_out(row: Person) -> PersonOut:
    """The API view of a person."""
    return PersonOut(code=row.code, name=row.name, email=row.email, active=row.active)


def read_point_out(session: Session, row: ReadPoint) -> ReadPointOut:
    """The API view of a read point."""
    return ReadPointOut(
        code=row.code,
        name=row.name,
        location=_code_of(session, row.location_id),
        inside=_code_of(session, row.inside_id),
        outside=_code_of(session, row.outside_id),
    )


def list_locations(session: Session) -> list[LocationOut]:
    """Every location, by code (the tree is given by `parent`)."""
    rows = session.exec(select(Location).order_by(col(Location.code))).all()
    codes = {r.id: r.code for r in rows}
    return [
        LocationOut(code=r.code, name=r.name, parent=codes.get(r.parent_id), gln=r.gln)
        for r in rows
    ]


def list_people(session: Session) -> list[PersonOut]:
    """Every person, by code."""
    return [person_out(r) for r in session.exec(select(Person).order_by(col(Person.code))).all()]


def list_read_points(session: Session) -> list[ReadPointOut]:
    """Every read point, by code."""
    rows = session.exec(select(ReadPoint).order_by(col(ReadPoint.code))).all()
    return [read_point_out(session, r) for r in rows]
