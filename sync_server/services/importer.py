"""Asset register import from CSV (contract section 5): all or nothing per file.

Every row is checked first (parse, then against the database); only a file with no bad row
is written. Nothing here commits: the caller commits once, so a failure halfway leaves nothing.
Columns with a meaning here map onto fields (Snipe-IT's export as it is), `Checked Out To`
becomes a checkout in the asset's history, and every other value is kept as a custom field;
the summary says where each column went.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from sync_server.models import Asset, AssetIdentifier, Event, Location, Person
from sync_server.services.imports.cells import (
    AssetImportError,
    RowError,
    decode_csv_bytes,
    parse_cost,
    parse_date,
    parse_warranty,
)
from sync_server.services.imports.columns import ImportSummary, describe_columns
from sync_server.services.imports.custody import Checkout, record_checkouts
from sync_server.services.imports.rows import ImportRow, ParsedFile, checkout_time, parse_file

__all__ = [
    "AssetImportError",
    "ImportRow",
    "ImportSummary",
    "ParsedFile",
    "RowError",
    "apply_rows",
    "check_csv",
    "import_csv",
    "parse_cost",
    "parse_csv",
    "parse_date",
    "parse_warranty",
]
_CHUNK = 500
_NOT_ATTRIBUTES = ("home", "warranty", "custodian", "checkout_date", "due_back")


def parse_csv(text: str) -> list[ImportRow]:
    """The file's rows, checked on their own (no database); AssetImportError lists bad rows."""
    parsed, errors = parse_file(text)
    if errors:
        raise AssetImportError(errors)
    return parsed.rows


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _existing_assets(session: Session, rows: list[ImportRow]) -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for chunk in _chunks([r.asset_tag for r in rows]):
        for asset in session.exec(select(Asset).where(col(Asset.asset_tag).in_(chunk))):
            found[asset.asset_tag] = asset
    return found


def _claims(session: Session, rows: list[ImportRow]) -> dict[str, tuple[int, str]]:
    """Stored key -> (asset id, asset tag) for every key the file mentions."""
    claims: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([key for r in rows for _s, _v, key in r.keys]):
        stmt = (
            select(AssetIdentifier.key, Asset.id, Asset.asset_tag)
            .join(Asset, col(Asset.id) == AssetIdentifier.asset_id)
            .where(col(AssetIdentifier.key).in_(chunk))
        )
        for key, asset_id, tag in session.exec(stmt):
            assert asset_id is not None
            claims[key] = (asset_id, tag)
    return claims


def _db_errors(
    rows: list[ImportRow], existing: dict[str, Asset], claims: dict[str, tuple[int, str]]
) -> list[RowError]:
    errors: list[RowError] = []
    for row in rows:
        own = existing.get(row.asset_tag)
        for _scheme, value, key in row.keys:
            claim = claims.get(key)
            if claim is not None and (own is None or claim[0] != own.id):
                reason = f"{value!r} already belongs to asset {claim[1]}, so it cannot also "
                errors.append(RowError(row.line, reason + f"identify {row.asset_tag}"))
    return errors


def check_csv(session: Session, data: bytes) -> ParsedFile:
    """Every row of the file, checked on its own and against the database (nothing written);
    AssetImportError lists every bad row in line order."""
    parsed, errors = parse_file(decode_csv_bytes(data))
    rows = parsed.rows
    errors += _db_errors(rows, _existing_assets(session, rows), _claims(session, rows))
    if errors:
        raise AssetImportError(sorted(errors, key=lambda e: e.line))
    return parsed


def _location_ids(session: Session, names: Iterable[str]) -> tuple[dict[str, int], int]:
    """Location id per name in the file, matched by code then by name; unknown ones created
    (and counted)."""
    wanted = sorted(set(names))
    ids: dict[str, int] = {}
    for loc in session.exec(select(Location)):
        assert loc.id is not None
        if loc.name in wanted:
            ids.setdefault(loc.name, loc.id)
        if loc.code in wanted:
            ids[loc.code] = loc.id
    created = 0
    for name in wanted:
        if name not in ids:
            loc = Location(code=name, name=name)
            session.add(loc)
            session.flush()
            assert loc.id is not None
            ids[name] = loc.id
            created += 1
    return ids, created


def _people(session: Session, names: Iterable[str]) -> tuple[dict[str, str], int]:
    """Person code per name in the file (matched by code, then by name); unknown people are
    created (contract 5) and counted."""
    wanted = set(names)
    codes: dict[str, str] = {}
    if not wanted:
        return codes, 0
    for person in session.exec(select(Person)):
        if person.name in wanted:
            codes.setdefault(person.name, person.code)
        if person.code in wanted:
            codes[person.code] = person.code
    missing = sorted(wanted - set(codes))
    for name in missing:
        session.add(Person(code=name, name=name))
        codes[name] = name
    session.flush()
    return codes, len(missing)


def _apply_values(asset: Asset, row: ImportRow, locations: dict[str, int]) -> None:
    for column, value in row.values.items():
        if column == "home":
            asset.home_location_id = locations[value] if isinstance(value, str) else None
        elif column == "warranty":
            asset.warranty_months = value if isinstance(value, int) else None
        elif column not in _NOT_ATTRIBUTES:
            setattr(asset, column, value)
    if row.custom:
        asset.custom_fields = {**(asset.custom_fields or {}), **row.custom}


def _resolve_past_sightings(session: Session, added: dict[str, int]) -> None:
    # Codes scanned before the register knew them were kept as unknown codes; they now
    # belong to the new assets, and may move them (the core's re-resolution does both).
    from sync_server.services.resolution import reresolve_key

    unmatched = col(Event.asset_id).is_(None)
    for chunk in _chunks(sorted(added)):
        stmt = select(Event.key).where(unmatched, col(Event.key).in_(chunk)).distinct()
        for key in session.exec(stmt).all():
            reresolve_key(session, key, added[key])


def _write_assets(
    session: Session,
    rows: list[ImportRow],
    existing: dict[str, Asset],
    now: datetime,
    progress: Callable[[int], None] | None,
    summary: ImportSummary,
) -> dict[str, Asset]:
    homes = (v for r in rows if isinstance(v := r.values.get("home"), str))
    locations, summary.locations_created = _location_ids(session, homes)
    assets = dict(existing)
    for done, row in enumerate(rows, start=1):
        asset = assets.get(row.asset_tag)
        if asset is None:
            asset = Asset(asset_tag=row.asset_tag, name="", created_at=now, updated_at=now)
            assets[row.asset_tag] = asset
        asset.updated_at = now
        _apply_values(asset, row, locations)
        session.add(asset)
        if row.status is not None:
            summary.statuses[row.status] += 1
        summary.custom_values += len(row.custom)
        if progress is not None:
            progress(done)
    session.flush()
    return assets


def _checkouts(
    session: Session, rows: list[ImportRow], assets: dict[str, Asset], now: datetime
) -> tuple[list[Checkout], int]:
    names = (v for r in rows if isinstance(v := r.values.get("custodian"), str))
    codes, created = _people(session, names)
    out = []
    for row in rows:
        holder = row.values.get("custodian")
        if isinstance(holder, str):
            asset = assets[row.asset_tag]
            assert asset.id is not None
            due = row.values.get("due_back")
            out.append(
                Checkout(
                    asset.id, asset.asset_tag, codes[holder], checkout_time(row, now),
                    due if isinstance(due, type(now.date())) else None,
                )
            )  # fmt: skip
    return out, created


def apply_rows(
    session: Session,
    parsed: ParsedFile,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    operator: str | None = None,
) -> ImportSummary:
    """Check the rows against the database, then create or update (by asset tag) every asset,
    record each imported holder as a checkout, and say what went where.

    Raises AssetImportError before writing anything when an EPC or barcode belongs to another
    asset. Flushes but never commits.
    """
    rows = parsed.rows
    existing = _existing_assets(session, rows)
    claims = _claims(session, rows)
    if errors := _db_errors(rows, existing, claims):
        raise AssetImportError(errors)
    summary = ImportSummary(columns=describe_columns(parsed.headers))
    assets = _write_assets(session, rows, existing, now, progress, summary)
    added: dict[str, int] = {}
    for row in rows:
        asset = assets[row.asset_tag]
        for scheme, value, key in row.keys:
            if key not in claims:
                assert asset.id is not None
                session.add(AssetIdentifier(asset_id=asset.id, scheme=scheme, value=value, key=key))
                added[key] = asset.id
    session.flush()
    _resolve_past_sightings(session, added)
    checkouts, summary.people_created = _checkouts(session, rows, assets, now)
    summary.checkouts = record_checkouts(session, checkouts, now, operator)
    summary.created, summary.updated = len(assets) - len(existing), len(existing)
    return summary


def import_csv(
    session: Session,
    data: bytes,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    operator: str | None = None,
) -> ImportSummary:
    """Import one CSV file's bytes: every row valid and written, or AssetImportError and none."""
    return apply_rows(session, check_csv(session, data), now, progress, operator)
