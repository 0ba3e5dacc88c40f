"""An import file's rows, each checked on its own (no database): every cell parsed into the
field its column maps to, identities collected, and every other value kept as a custom field.
A row whose field count differs from the header's is an error: an unquoted comma would
otherwise shift or cut off values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.identifiers import IdentifierError, identify
from sync_server.services.identities import TAG_SCHEME, asset_tag_problem, tag_key
from sync_server.services.imports.cells import (
    AssetImportError,
    RowError,
    parse_cost,
    parse_date,
    parse_months,
    parse_warranty,
    records,
)
from sync_server.services.imports.columns import HeaderMap, map_status

_MAX_LEN = {  # the column sizes in sync_server.models
    **dict.fromkeys(("asset_tag", "category", "serial_number", "home", "model_number"), 128),
    **dict.fromkeys(("order_number", "custodian"), 128),
    **dict.fromkeys(("name", "model_name", "supplier", "manufacturer"), 256),
}
_MAX_CODE = 1024  # AssetIdentifier.value and .key
_MAX_CUSTOM = 10_000
_PARSERS: dict[str, Callable[[str], object]] = {
    "purchase_date": parse_date,
    "purchase_cost": parse_cost,
    "warranty": parse_warranty,
    "checkout_date": parse_date,
    "due_back": parse_date,
}
_NOT_VALUES = ("asset_tag", "epc", "barcode", "status", "eol", "location")


@dataclass
class ImportRow:
    """One valid row: only the columns present in the file are in `values`."""

    line: int
    asset_tag: str
    values: dict[str, object] = field(default_factory=dict)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (scheme, value, key)
    custom: dict[str, str] = field(default_factory=dict)
    status: tuple[str, str] | None = None  # (label in the file, our status)


@dataclass
class ParsedFile:
    """The rows of a file and how its header maps onto fields."""

    headers: HeaderMap
    rows: list[ImportRow]


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


def _check_cells(cells: dict[str, str], custom: dict[str, str]) -> list[str]:
    tag = cells["asset_tag"]
    if not tag:
        raise ValueError("asset tag is empty")
    if (problem := asset_tag_problem(tag)) is not None:
        raise ValueError(problem)
    if "name" in cells and not cells["name"]:
        raise ValueError(f"asset {tag!r} has no name")
    if any("\x00" in text for text in (*cells.values(), *custom.values())):
        raise ValueError("a cell contains a NUL character")
    problems = [
        f"{column.replace('_', ' ')} is longer than {limit} characters"
        for column, limit in _MAX_LEN.items()
        if len(cells.get(column, "")) > limit
    ]
    problems += [
        f"{name!r} is longer than {_MAX_CUSTOM} characters"
        for name, value in custom.items()
        if len(value) > _MAX_CUSTOM
    ]
    return problems


def _special(row: ImportRow, cells: dict[str, str]) -> None:
    """Status, EOL and the current location: mapped where they mean something, kept always."""
    label = cells.get("status", "")
    if label:
        status = map_status(label)
        row.status = (label, status or "unchanged")
        if status is not None:
            row.values["status"] = status
        if status != label:
            row.custom["Status"] = label  # "Pending" and "Ready to Deploy" both mean active
    eol = cells.get("eol", "")
    if eol:
        months = _eol_months(eol, row.values.get("purchase_date"))
        if months is None:
            row.custom["EOL"] = eol
        else:
            row.values["useful_life_months"] = months
    if cells.get("location"):
        row.custom["Location"] = cells["location"]  # where it is now; home is the default one


def _eol_months(text: str, bought: object) -> int | None:
    try:
        return parse_months(text)
    except ValueError:
        pass
    try:
        end = parse_date(text)
    except ValueError:
        return None
    if not isinstance(bought, date) or end <= bought:
        return None
    return (end.year - bought.year) * 12 + end.month - bought.month


def parse_row(line: int, fields: list[str], headers: HeaderMap) -> ImportRow:
    """One record as a row; ValueError naming every problem."""
    if len(fields) != len(headers.headers):
        raise ValueError(
            f"{len(fields)} fields but the header has {len(headers.headers)} "
            "(an unquoted comma or a missing field?)"
        )
    cells = {c: fields[i].strip() for c, i in headers.fields.items()}
    custom = {n: fields[i].strip() for n, i in headers.custom.items() if fields[i].strip()}
    problems = _check_cells(cells, custom)
    tag = cells["asset_tag"]
    # The tag is the asset's first identity (contract 2.2), claimed like any EPC or barcode.
    row = ImportRow(line=line, asset_tag=tag, keys=[(TAG_SCHEME, tag, tag_key(tag))], custom=custom)
    for column, text in cells.items():
        try:
            if column in ("epc", "barcode") and text:
                ident = _identity(column, text)
                if all(key != ident[2] for _s, _v, key in row.keys):
                    row.keys.append(ident)
            elif column not in _NOT_VALUES:
                parse = _PARSERS.get(column, str)
                row.values[column] = parse(text) if text else None
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise ValueError("; ".join(problems))
    _special(row, cells)
    return row


def parse_file(text: str) -> tuple[ParsedFile, list[RowError]]:
    """Every row of the file, checked on its own, and the bad ones with their line numbers."""
    items = records(text)
    header = next(items, None)
    if header is None:
        raise AssetImportError([RowError(1, "the file is empty")])
    headers = HeaderMap.from_header(header[1])
    missing = [c for c in ("asset_tag", "name") if c not in headers.fields]
    if missing:
        need = " and ".join("'Asset Tag'" if c == "asset_tag" else "'Item Name'" for c in missing)
        raise AssetImportError([RowError(header[0], f"no {need} column in the header")])
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    tags: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, fields in items:
        try:
            row = parse_row(line, fields, headers)
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
    return ParsedFile(headers, rows), errors


def checkout_time(row: ImportRow, now: datetime) -> datetime:
    """When the row's holder took the asset: its checkout date (midnight UTC), else now."""
    when = row.values.get("checkout_date")
    if isinstance(when, date):
        return datetime(when.year, when.month, when.day, tzinfo=now.tzinfo)
    return now
