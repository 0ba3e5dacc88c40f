"""What the audit page's forms mean: the rows a category table offers, the actions each
category allows, and a submitted table turned into the audits service's `ResolutionIn`s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from shared.audits import AssetRow, Reconciliation, UnknownRow
from sync_server.models import AuditResolution
from sync_server.services import InvalidInput
from sync_server.services.audits.schemas import ResolutionIn
from sync_server.web.forms import explain

SHOWN_ROWS = 200  # per category; the CSV report has every row
TITLES = {
    "found": "Found",
    "relocated": "Relocated",
    "missing": "Missing",
    "unexpected": "Unexpected",
    "unknown_codes": "Unknown codes",
    "weak": "Weak reads",
}
HINTS = {
    "found": "Expected here and read.",
    "relocated": "Found, but in another sublocation than expected.",
    "missing": "Expected here and not read (yet).",
    "unexpected": "Registered assets read here that were expected elsewhere.",
    "unknown_codes": "Codes read here that match no asset.",
    "weak": "RFID reads too weak to count as found (a neighbour through the wall?).",
}
# The one-click and bulk actions of each category (found_elsewhere and the unknown-code
# actions need a value per row, so they are one row at a time).
BULK = {
    "relocated": ("accept_relocation",),
    "missing": ("mark_missing", "dispose"),
    "unexpected": ("accept_relocation", "dispose"),
}
LABELS = {
    "accept_relocation": "Accept new location",
    "mark_missing": "Mark lost",
    "dispose": "Dispose",
    "found_elsewhere": "Found elsewhere",
    "register_unknown": "Register as new asset",
    "attach_unknown": "Attach to asset",
}
DONE = {
    "accept_relocation": "home moved",
    "mark_missing": "marked lost",
    "dispose": "disposed",
    "found_elsewhere": "found elsewhere",
    "register_unknown": "registered",
    "attach_unknown": "attached",
}


@dataclass(frozen=True)
class Section:
    """One category table: its rows (at most SHOWN_ROWS) and how many there are in all."""

    name: str
    rows: Sequence[AssetRow | UnknownRow]
    total: int

    @property
    def title(self) -> str:
        """The heading."""
        return TITLES[self.name]

    @property
    def hint(self) -> str:
        """What the category means."""
        return HINTS[self.name]

    @property
    def bulk(self) -> tuple[str, ...]:
        """The actions offered for several rows at once."""
        return BULK.get(self.name, ())


def sections(result: Reconciliation) -> list[Section]:
    """The category tables of a reconciliation, in reading order."""
    out = []
    for name in ("missing", "unexpected", "unknown_codes", "relocated", "weak", "found"):
        rows = getattr(result, name)
        out.append(Section(name, rows[:SHOWN_ROWS], len(rows)))
    return out


def in_force(resolutions: Sequence[AuditResolution]) -> dict[str, AuditResolution]:
    """Row key (asset tag, or code for unknown codes) -> its latest resolution not undone."""
    out: dict[str, AuditResolution] = {}
    for r in resolutions:
        key = r.code if r.action in ("register_unknown", "attach_unknown") else r.asset_tag
        if r.undone_at is None and key is not None:
            out[key] = r
    return out


def _one(form: Mapping[str, str], action: str, i: str, reason: str | None) -> ResolutionIn:
    key = form.get(f"key-{i}", "")
    data: dict[str, str | None] = {"action": action, "reason": reason}
    if action in ("register_unknown", "attach_unknown"):
        field = "newtag" if action == "register_unknown" else "tag"
        data |= {"code": key, "asset_tag": form.get(f"{field}-{i}", "").strip() or None}
        data["name"] = form.get(f"name-{i}", "").strip() or None
    else:
        data["asset_tag"] = key
        data["location"] = form.get(f"location-{i}", "").strip() or None
    try:
        return ResolutionIn.model_validate(data)
    except ValidationError as err:
        labels = {"asset_tag": "Asset tag", "name": "Name", "location": "Location"}
        raise InvalidInput(explain(err, labels)) from err


def resolutions_of(form: Mapping[str, str], picks: Sequence[str]) -> list[ResolutionIn]:
    """The decisions a category form asks for: `one` = "action:row" for one row's button, or
    `bulk` = action for every checked row (`pick`); 422 when nothing is chosen."""
    reason = form.get("reason", "").strip()[:1024] or None
    if "\x00" in "".join(form.values()):
        raise InvalidInput("Fields must be printable text.")
    one = form.get("one", "")
    if one:
        action, _, i = one.partition(":")
        return [_one(form, action, i, reason)]
    action = form.get("bulk", "")
    if action not in LABELS:
        raise InvalidInput("Choose what to do.")
    if not picks:
        raise InvalidInput("Tick the rows to resolve first.")
    return [_one(form, action, i, reason) for i in picks]
