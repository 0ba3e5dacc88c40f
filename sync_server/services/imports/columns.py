"""Where each column of an asset import goes (contract 5): Snipe-IT's export headers and ours
onto the register's fields, Snipe-IT status labels onto our statuses, and every other column
kept as a custom field, so no value is dropped; `ImportSummary` says what went where."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Our field -> header aliases, lower-case with spaces collapsed; Snipe-IT's come first.
FIELDS: dict[str, tuple[str, ...]] = {
    "asset_tag": ("asset tag", "asset_tag", "tag"),
    "name": ("item name", "asset name", "name", "asset_name"),
    "category": ("category",),
    "manufacturer": ("manufacturer",),
    "model_name": ("model name", "model", "model_name"),
    "model_number": ("model no.", "model no", "model number", "model_number"),
    "serial_number": ("serial number", "serial", "serial_number"),
    "home": ("default location", "home location", "home_location"),
    "location": ("location",),
    "status": ("status", "status label"),
    "purchase_date": ("purchase date", "purchase_date"),
    "purchase_cost": ("purchase cost", "purchase_cost"),
    "supplier": ("supplier",),
    "order_number": ("order number", "order_number"),
    "warranty": ("warranty", "warranty months", "warranty_months"),
    "eol": ("eol", "eol date", "useful life months", "useful_life_months"),
    "notes": ("notes",),
    "epc": ("epc",),
    "barcode": ("barcode",),
    "custodian": ("checked out to", "assigned to", "custodian"),
    "checkout_date": ("checkout date", "last checkout"),
    "due_back": ("expected checkin", "expected check-in", "due back", "due_back"),
}

DESTINATIONS = {
    "asset_tag": "asset tag (also its identity tag/<asset tag>)",
    "name": "name",
    "category": "category",
    "manufacturer": "manufacturer",
    "model_name": "model",
    "model_number": "model number",
    "serial_number": "serial number",
    "home": "home location",
    "purchase_date": "purchase date",
    "purchase_cost": "purchase cost",
    "supplier": "supplier",
    "order_number": "order number",
    "warranty": "warranty (months)",
    "eol": "useful life (months; an EOL date counts from the purchase date)",
    "notes": "notes",
    "status": "status (each label below; a label not ours is also kept as custom field 'Status')",
    "location": "custom field 'Location' (the current place; home is Default Location)",
    "epc": "identifier (EPC)",
    "barcode": "identifier (barcode)",
    "custodian": "custodian (a checkout in the asset's history; unknown people are created)",
    "checkout_date": "checkout time of the custody record",
    "due_back": "due back of the custody record",
}

# Snipe-IT's default status labels (and common custom ones) -> our statuses.
STATUSES: dict[str, str] = {
    "ready to deploy": "active",
    "deployable": "active",
    "deployed": "active",
    "pending": "active",
    "in use": "active",
    "available": "active",
    "active": "active",
    "archived": "retired",
    "retired": "retired",
    "broken - not fixable": "retired",
    "broken": "repair",
    "undeployable": "repair",
    "out for repair": "repair",
    "out for diagnostics": "repair",
    "in repair": "repair",
    "repair": "repair",
    "lost/stolen": "lost",
    "lost": "lost",
    "stolen": "lost",
    "missing": "lost",
    "disposed": "disposed",
    "sold": "disposed",
    "scrapped": "disposed",
}


def normalise_header(name: str) -> str:
    """A header as matched: lower-case, spaces collapsed, BOM dropped."""
    return " ".join(name.strip().lower().replace("\ufeff", "").split())


def map_status(label: str) -> str | None:
    """Our status for a Snipe-IT status label (its " (deployed)"-style suffix ignored)."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", normalise_header(label))
    return STATUSES.get(text)


@dataclass(frozen=True)
class HeaderMap:
    """Which column index feeds which field; every other column is a custom field."""

    fields: dict[str, int]
    custom: dict[str, int]
    headers: list[str]

    @classmethod
    def from_header(cls, header: list[str]) -> HeaderMap:
        names = [normalise_header(h) for h in header]
        fields: dict[str, int] = {}
        for column, aliases in FIELDS.items():
            for alias in aliases:
                if alias in names:
                    fields[column] = names.index(alias)
                    break
        if "home" not in fields and "location" in fields:
            fields["home"] = fields.pop("location")  # the only location there is: home
        taken = set(fields.values())
        clean = [h.strip().replace("\ufeff", "") for h in header]
        custom = {clean[i]: i for i in range(len(header)) if i not in taken and clean[i]}
        return cls(fields=fields, custom=custom, headers=clean)


@dataclass
class ImportSummary:
    """What an import did and where each column went."""

    created: int = 0
    updated: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    checkouts: int = 0
    people_created: int = 0
    locations_created: int = 0
    custom_values: int = 0

    def to_json(self) -> dict[str, Any]:
        """The summary as one JSON object."""
        return {
            "created": self.created,
            "updated": self.updated,
            "columns": self.columns,
            "statuses": [
                {"label": label, "status": status, "rows": n}
                for (label, status), n in sorted(self.statuses.items())
            ],
            "checkouts": self.checkouts,
            "people_created": self.people_created,
            "locations_created": self.locations_created,
            "custom_values": self.custom_values,
        }

    @staticmethod
    def lines_of(summary: dict[str, Any]) -> list[str]:
        """A summary (as `to_json` gives it) for a person: counts, each column and where it
        went, each status label and what it became."""
        out = [f"{summary['created']} created, {summary['updated']} updated"]
        columns: dict[str, str] = summary["columns"]
        width = max((len(h) for h in columns), default=0)
        out += [f"  {h.ljust(width)}  -> {dest}" for h, dest in columns.items()]
        out += [
            f"  status {s['label']!r} -> {s['status']} ({s['rows']} row(s))"
            for s in summary["statuses"]
        ]
        out.append(
            f"  {summary['checkouts']} checkout(s) recorded; {summary['people_created']} "
            f"people and {summary['locations_created']} location(s) created; "
            f"{summary['custom_values']} value(s) kept as custom fields"
        )
        return out


def describe_columns(headers: HeaderMap) -> dict[str, str]:
    """Header -> where its values go, in file order."""
    where: dict[int, str] = {i: DESTINATIONS[f] for f, i in headers.fields.items()}
    for name, i in headers.custom.items():
        where[i] = f"custom field {name!r}"
    return {headers.headers[i]: where[i] for i in sorted(where)}
