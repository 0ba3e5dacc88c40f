"""Asset register import from CSV (contract section 5): all or nothing per file.

Every row is checked first (parse, then against the database); only a file with no bad row
is written. Nothing here commits: the caller commits once, so a failure halfway leaves nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlmodel import Session, col, select

from shared.identifiers import IdentifierError, identify
from sync_server.models import Asset, AssetIdentifier, Event, Location, Person
from sync_server.services import InvalidInput
from sync_server.services.identities import TAG_SCHEME, asset_tag_problem, tag_key

# Header aliases, lower-cased; Snipe-IT's export headers come first in each tuple.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "asset_tag": ("asset tag", "asset_tag", "tag"),
    "name": ("item name", "asset name", "name", "asset_name"),
    "category": ("category",),
    "model_name": ("model name", "model", "model_name"),
    "serial_number": ("serial number", "serial", "serial_number"),
    "location": ("location", "home location", "home_location", "default location"),
    "purchase_date": ("purchase date", "purchase_date"),
    "purchase_cost": ("purchase cost", "purchase_cost"),
    "supplier": ("supplier",),
    "order_number": ("order number", "order_number"),
    "warranty": ("warranty", "warranty months", "warranty_months"),
    "notes": ("notes",),
    "epc": ("epc",),
    "barcode": ("barcode",),
    "custodian": ("checked out to", "assigned to", "custodian"),
}
_MAX_LEN = {  # the column sizes in sync_server.models
    **dict.fromkeys(("asset_tag", "category", "serial_number", "location"), 128),
    **dict.fromkeys(("order_number", "custodian"), 128),
    **dict.fromkeys(("name", "model_name", "supplier"), 256),
}
_MAX_CODE = 1024  # AssetIdentifier.value and .key
_CHUNK = 500
_MAX_COST = Decimal("999999999999.99")  # Numeric(14, 2)
_CURRENCY = re.compile(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|[$€£¥\s\u00a0']")


@dataclass(frozen=True)
class RowError:
    """One bad row: its line number in the file (the header is line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class AssetImportError(InvalidInput):
    """The file has bad rows; `errors` lists every one and nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} bad row(s); nothing imported: {errors[0]}")


@dataclass
class ImportRow:
    """One valid row: only the columns present in the file are in `values`."""

    line: int
    asset_tag: str
    values: dict[str, object] = field(default_factory=dict)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (scheme, value, key)


@dataclass(frozen=True)
class ImportSummary:
    """What a successful import did."""

    created: int
    updated: int

    def to_json(self) -> dict[str, int]:
        """`{"created": n, "updated": n}`."""
        return {"created": self.created, "updated": self.updated}


def decode_csv_bytes(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252 as spreadsheets save it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as err:
            reason = f"file is neither UTF-8 nor Windows-1252: {err}"
            raise AssetImportError([RowError(1, reason)]) from err


def _delimiter(header_line: str) -> str:
    # Sniff from the header alone: header names never contain the delimiter, data might.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of every non-empty record; quoted newlines are kept."""
    text = text.removeprefix("\ufeff")
    first = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise AssetImportError([RowError(start, f"unreadable CSV: {err}")]) from err
        if any(f.strip() for f in fields):
            yield start, fields


def _header_map(header: list[str]) -> dict[str, int]:
    names = [" ".join(h.strip().lower().replace("\ufeff", "").split()) for h in header]
    found: dict[str, int] = {}
    for column, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    return found


def parse_date(text: str) -> date:
    """A purchase date: ISO `YYYY-MM-DD`, optionally followed by a time (Snipe-IT)."""
    head = text.strip().replace("T", " ").split(" ")[0]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", head):
        try:
            return date.fromisoformat(head)
        except ValueError:
            pass
    raise ValueError(f"bad date {text!r}: expected YYYY-MM-DD")


def parse_cost(text: str) -> Decimal:
    """A cost such as `1299.00`, `1,299.00`, `$1,299`, `1.299,50` or `EUR 12,50`."""
    raw = _CURRENCY.sub("", text.strip())
    if "," in raw and "." in raw:
        thousands = "," if raw.rfind(".") > raw.rfind(",") else "."
        raw = raw.replace(thousands, "").replace(",", ".")
    elif "," in raw:
        raw = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw
        raw = raw.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else raw
    try:
        value = Decimal(raw) if re.fullmatch(r"\d+(\.\d+)?", raw) else Decimal("NaN")
    except InvalidOperation:
        value = Decimal("NaN")
    if value.is_nan() or value > _MAX_COST:
        raise ValueError(f"bad cost {text!r}: expected a non-negative amount like 1299.00")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_warranty(text: str) -> int:
    """Warranty in months: `36` or `36 months`."""
    match = re.fullmatch(r"(\d{1,4})(\s*months?)?", text.strip(), re.IGNORECASE)
    if match is None:
        raise ValueError(f"bad warranty {text!r}: expected a number of months")
    return int(match.group(1))


def _identity(column: str, text: str) -> tuple[str, str, str]:
    code = text.strip().upper() if column == "epc" else text.strip()
    try:
        ident = identify(code, "epc" if column == "epc" else None)
    except IdentifierError as err:
        label = "EPC" if column == "epc" else column
        raise ValueError(f"bad {label} {text!r}: {err}") from err
    if ident.role in ("location", "person", "command"):
        raise ValueError(f"barcode {text!r} is a {ident.role} label, not an asset label")
    if max(len(code), len(ident.key)) > _MAX_CODE:
        raise ValueError(f"{column} is longer than {_MAX_CODE} characters")
    return ident.scheme, code, ident.key


_PARSERS: dict[str, Callable[[str], object]] = {
    "purchase_date": parse_date,
    "purchase_cost": parse_cost,
    "warranty": parse_warranty,
}


def _parse_row(line: int, fields: list[str], columns: dict[str, int]) -> ImportRow:
    cells = {c: (fields[i].strip() if i < len(fields) else "") for c, i in columns.items()}
    tag = cells["asset_tag"]
    if not tag:
        raise ValueError("asset tag is empty")
    if (problem := asset_tag_problem(tag)) is not None:
        raise ValueError(problem)
    if "name" in cells and not cells["name"]:
        raise ValueError(f"asset {tag!r} has no name")
    if any("\x00" in text for text in cells.values()):
        raise ValueError("a cell contains a NUL character")
    problems = [
        f"{column.replace('_', ' ')} is longer than {limit} characters"
        for column, limit in _MAX_LEN.items()
        if len(cells.get(column, "")) > limit
    ]
    # The tag is the asset's first identity (contract 2.2), claimed like any EPC or barcode.
    row = ImportRow(line=line, asset_tag=tag, keys=[(TAG_SCHEME, tag, tag_key(tag))])
    for column, text in cells.items():
        if column == "asset_tag" or (not text and column in ("epc", "barcode")):
            continue
        parse = _PARSERS.get(column, str)
        try:
            if column in ("epc", "barcode"):
                ident = _identity(column, text)
                if all(key != ident[2] for _s, _v, key in row.keys):
                    row.keys.append(ident)
            else:
                row.values[column] = parse(text) if text else None
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise ValueError("; ".join(problems))
    return row


def parse_csv(text: str) -> list[ImportRow]:
    """The file's rows, checked on their own (no database); AssetImportError lists bad rows."""
    rows, errors = _parse_rows(text)
    if errors:
        raise AssetImportError(errors)
    return rows


def _parse_rows(text: str) -> tuple[list[ImportRow], list[RowError]]:
    records = _records(text)
    header = next(records, None)
    if header is None:
        raise AssetImportError([RowError(1, "the file is empty")])
    columns = _header_map(header[1])
    missing = [c for c in ("asset_tag", "name") if c not in columns]
    if missing:
        need = " and ".join("'Asset Tag'" if c == "asset_tag" else "'Item Name'" for c in missing)
        raise AssetImportError([RowError(header[0], f"no {need} column in the header")])
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    tags: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, fields in records:
        try:
            row = _parse_row(line, fields, columns)
        except ValueError as err:
            errors.append(RowError(line, str(err)))
            continue
        reported = ""
        if (first := tags.setdefault(row.asset_tag.casefold(), line)) != line:
            errors.append(RowError(line, f"duplicate asset tag {row.asset_tag!r} (line {first})"))
            reported = tag_key(row.asset_tag)  # the same clash; say it once
        for _scheme, value, key in row.keys:
            if (first := keys.setdefault(key, line)) != line and key != reported:
                errors.append(RowError(line, f"{value!r} is also on line {first} of this file"))
        rows.append(row)
    return rows, errors


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


def check_csv(session: Session, data: bytes) -> list[ImportRow]:
    """Every row of the file, checked on its own and against the database (nothing written);
    AssetImportError lists every bad row in line order."""
    rows, errors = _parse_rows(decode_csv_bytes(data))
    errors += _db_errors(rows, _existing_assets(session, rows), _claims(session, rows))
    if errors:
        raise AssetImportError(sorted(errors, key=lambda e: e.line))
    return rows


def _location_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Location id per name in the file, matched by code then by name; unknown ones created."""
    wanted = sorted(set(names))
    ids: dict[str, int] = {}
    for loc in session.exec(select(Location)):
        assert loc.id is not None
        if loc.name in wanted:
            ids.setdefault(loc.name, loc.id)
        if loc.code in wanted:
            ids[loc.code] = loc.id
    for name in wanted:
        if name not in ids:
            loc = Location(code=name, name=name)
            session.add(loc)
            session.flush()
            assert loc.id is not None
            ids[name] = loc.id
    return ids


def _ensure_people(session: Session, names: Iterable[str]) -> None:
    # Contract 5 creates unknown people; custody itself changes only through checkout events.
    wanted = set(names)
    if not wanted:
        return
    known = set(session.exec(select(Person.code))) | set(session.exec(select(Person.name)))
    for name in sorted(wanted - known):
        session.add(Person(code=name, name=name))
    session.flush()


def _apply_values(asset: Asset, values: dict[str, object], locations: dict[str, int]) -> None:
    for column, value in values.items():
        if column == "location":
            asset.home_location_id = locations[value] if isinstance(value, str) else None
        elif column == "warranty":
            asset.warranty_months = value if isinstance(value, int) else None
        elif column != "custodian":
            setattr(asset, column, value)


def _resolve_past_sightings(session: Session, added: dict[str, int]) -> None:
    # Codes scanned before the register knew them were kept as unknown codes; they now
    # belong to the new assets, and may move them (the core's re-resolution does both).
    from sync_server.services.resolution import reresolve_key

    unmatched = col(Event.asset_id).is_(None)
    for chunk in _chunks(sorted(added)):
        stmt = select(Event.key).where(unmatched, col(Event.key).in_(chunk)).distinct()
        for key in session.exec(stmt).all():
            reresolve_key(session, key, added[key])


def apply_rows(
    session: Session,
    rows: list[ImportRow],
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Check `rows` against the database, then create or update (by asset tag) every asset.

    Raises AssetImportError before writing anything when an EPC or barcode belongs to another
    asset. Flushes but never commits.
    """
    existing = _existing_assets(session, rows)
    claims = _claims(session, rows)
    if errors := _db_errors(rows, existing, claims):
        raise AssetImportError(errors)
    locations = _location_ids(
        session, (v for r in rows if isinstance(v := r.values.get("location"), str))
    )
    _ensure_people(session, (v for r in rows if isinstance(v := r.values.get("custodian"), str)))
    assets = dict(existing)
    for done, row in enumerate(rows, start=1):
        asset = assets.get(row.asset_tag)
        if asset is None:
            asset = Asset(asset_tag=row.asset_tag, name="", created_at=now, updated_at=now)
            assets[row.asset_tag] = asset
        asset.updated_at = now
        _apply_values(asset, row.values, locations)
        session.add(asset)
        if progress is not None:
            progress(done)
    session.flush()
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
    return ImportSummary(created=len(assets) - len(existing), updated=len(existing))


def import_csv(
    session: Session,
    data: bytes,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one CSV file's bytes: every row valid and written, or AssetImportError and none."""
    return apply_rows(session, check_csv(session, data), now, progress)
