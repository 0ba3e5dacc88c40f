"""An asset's identities (contract 2.2): its asset tag (key `tag/<asset tag>`) and every
identifier attached to it, all rows of `AssetIdentifier`, so sync, lookup, history, audits and
unknown codes resolve a code through one table and one rule. Claiming a key re-resolves the
earlier unknown-code events that carried it. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from sync_server.models import Asset, AssetIdentifier
from sync_server.services import Conflict, InvalidInput
from sync_server.services.resolution import KEY_MAX, reresolve_key

TAG_SCHEME = "label"
_RESERVED_SUFFIXES = ("/history", "/identifiers")


def tag_key(asset_tag: str) -> str:
    """The canonical key of an asset tag: what a Code 128 or QR label of the text scans as."""
    return f"tag/{asset_tag}"


def asset_tag_problem(asset_tag: str) -> str | None:
    """Why `asset_tag` cannot be an asset tag, or None. A `/` would make
    `/api/v1/assets/{asset_tag}/...` ambiguous (contract 2.2)."""
    if asset_tag.endswith(_RESERVED_SUFFIXES):
        return f"asset tag {asset_tag!r} must not end in /history or /identifiers"
    if "/" in asset_tag:
        return f"asset tag {asset_tag!r} must not contain '/'"
    if asset_tag != asset_tag.strip() or not asset_tag:
        return f"asset tag {asset_tag!r} must not be empty or start or end with a space"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in asset_tag):
        return f"asset tag {asset_tag!r} must not contain control characters"
    return None


def check_asset_tag(asset_tag: str) -> str:
    """`asset_tag` if it can be an asset tag; InvalidInput (422) saying why otherwise."""
    problem = asset_tag_problem(asset_tag)
    if problem is not None:
        raise InvalidInput(problem)
    return asset_tag


def holder_of(session: Session, key: str) -> tuple[int, str] | None:
    """(asset id, asset tag) of the asset that holds `key`, or None."""
    row = session.exec(
        select(Asset.id, Asset.asset_tag)
        .join(AssetIdentifier, col(AssetIdentifier.asset_id) == col(Asset.id))
        .where(AssetIdentifier.key == key)
    ).first()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def claim_key(session: Session, asset: Asset, scheme: str, value: str, key: str) -> AssetIdentifier:
    """Make `key` an identity of `asset` and move the earlier unknown-code events carrying it
    onto the asset (they re-resolve by event time); 409 naming both assets if another asset
    holds it. Claiming a key the asset already holds changes nothing."""
    if len(key) > KEY_MAX:
        raise InvalidInput(f"{value!r} is too long to be an identifier")
    assert asset.id is not None
    existing = session.exec(select(AssetIdentifier).where(AssetIdentifier.key == key)).first()
    if existing is not None:
        if existing.asset_id == asset.id:
            return existing
        other = session.get(Asset, existing.asset_id)
        holder = other.asset_tag if other else "?"
        raise Conflict(
            f"{key} already identifies asset {holder}; it cannot also identify {asset.asset_tag}"
        )
    row = AssetIdentifier(asset_id=asset.id, scheme=scheme, value=value, key=key)
    session.add(row)
    session.flush()
    reresolve_key(session, key, asset.id)
    return row


def claim_tag(session: Session, asset: Asset) -> AssetIdentifier:
    """Make the asset's tag one of its identities (see `claim_key`)."""
    check_asset_tag(asset.asset_tag)
    return claim_key(session, asset, TAG_SCHEME, asset.asset_tag, tag_key(asset.asset_tag))


def release_tag(session: Session, asset: Asset, old_tag: str) -> None:
    """Drop the identity of the asset's former tag (a renamed asset answers to its new tag);
    the events it already resolved stay in the asset's history."""
    session.execute(
        delete(AssetIdentifier).where(
            col(AssetIdentifier.asset_id) == asset.id,
            col(AssetIdentifier.key) == tag_key(old_tag),
        )
    )


def is_tag_identity(asset_tag: str, identifier: AssetIdentifier) -> bool:
    """Whether `identifier` is the identity the asset has through its tag."""
    return identifier.key == tag_key(asset_tag)


def primary_key(asset_tag: str, identifiers: list[AssetIdentifier]) -> str | None:
    """The asset's `key` as the API shows it: its first attached identifier (an EPC or GS1 key
    outranks the tag text), else its tag's key."""
    for ident in identifiers:
        if not is_tag_identity(asset_tag, ident):
            return ident.key
    return identifiers[0].key if identifiers else None
