"""Asset labels from a selection (asset tags) or a filter: PDF sheets and rolls, or ZPL with
the asset's GIAI-96 EPC encoded on RFID labels. A GS1 DataMatrix or an RFID label needs the
asset's GIAI: an asset that has none gets one (the configured GS1 company prefix followed by
the asset's number), attached as its identifier so the printed label resolves to it."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from shared.identifiers import IdentifierError, decode_epc, encode_giai
from sync_server.labels.content import LabelContent
from sync_server.labels.layouts import LAYOUTS
from sync_server.labels.pdf import LabelError, labels_pdf
from sync_server.labels.symbols import SymbolError
from sync_server.labels.zpl import labels_zpl
from sync_server.models import Asset, AssetIdentifier, Location
from sync_server.services import InvalidInput, NotFound
from sync_server.services.registry import attach_identifier, identifiers_of

MAX_LABELS = 10_000
LayoutName = Literal["avery-l7160", "avery-5160", "roll-57x32", "roll-102x51"]
Filter = Annotated[str, Field(min_length=1, max_length=256)]


class LabelsIn(BaseModel):
    """Which assets (`assets`, or the filters) and how: stock, symbology, PDF or ZPL, RFID."""

    model_config = ConfigDict(extra="forbid")
    assets: Annotated[list[Filter], Field(max_length=MAX_LABELS)] | None = None
    q: Filter | None = None
    location: Filter | None = None
    category: Filter | None = None
    status: Filter | None = None
    layout: LayoutName = "avery-l7160"
    symbology: Literal["code128", "qr", "gs1-datamatrix"] = "code128"
    format: Literal["pdf", "zpl"] = "pdf"
    rfid: bool = Field(default=False, description="ZPL only: write the GIAI-96 EPC (^RFW)")
    skip: Annotated[int, Field(ge=0, le=99)] = 0


def select_assets(session: Session, data: LabelsIn) -> list[Asset]:
    """The asset tags given, in their order (404 naming an unknown one), or every asset the
    filters match, by tag: `q` in tag, name or serial number, home `location`, `category`,
    `status`."""
    if data.assets is not None:
        rows = session.exec(select(Asset).where(col(Asset.asset_tag).in_(data.assets))).all()
        by_tag = {a.asset_tag: a for a in rows}
        missing = [t for t in data.assets if t not in by_tag]
        if missing:
            raise NotFound(f"no asset {missing[0]!r}")
        return [by_tag[t] for t in data.assets]
    stmt = select(Asset)
    if data.q:
        escaped = data.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        columns = (Asset.asset_tag, Asset.name, Asset.serial_number)
        stmt = stmt.where(or_(*(func.lower(c).like(f"%{escaped}%", escape="\\") for c in columns)))
    if data.location:
        stmt = stmt.join(Location, col(Location.id) == col(Asset.home_location_id)).where(
            Location.code == data.location
        )
    if data.category:
        stmt = stmt.where(Asset.category == data.category)
    if data.status:
        stmt = stmt.where(Asset.status == data.status)
    rows = session.exec(stmt.order_by(col(Asset.asset_tag)).limit(MAX_LABELS + 1)).all()
    if len(rows) > MAX_LABELS:
        raise InvalidInput(f"the filter matches over {MAX_LABELS} assets; narrow it")
    return list(rows)


def _giai_of(idents: list[AssetIdentifier]) -> tuple[str | None, str | None]:
    """(GIAI, GIAI EPC hex) from the asset's identifiers, if it has a GIAI."""
    for ident in idents:
        if ident.scheme == "giai" and ident.key.startswith("8004/"):
            epc = None
            try:
                if decode_epc(ident.value).scheme == "giai":
                    epc = ident.value.upper()
            except IdentifierError:
                epc = None
            return unquote(ident.key[len("8004/") :]), epc
    return None, None


def _epc_for(giai: str, prefix: str | None) -> str | None:
    if prefix is None or not giai.startswith(prefix):
        return None
    for scheme in ("giai-96", "giai-202"):
        try:
            return encode_giai(prefix, giai[len(prefix) :], scheme)
        except IdentifierError:
            continue
    return None


def label_contents(
    session: Session, assets: list[Asset], needs_giai: bool, company_prefix: str | None
) -> list[LabelContent]:
    """Each asset's label content; with `needs_giai`, a GIAI (allocated if need be, 422 when
    there is no company prefix to allocate from) and its EPC."""
    idents = identifiers_of(session, [a.id for a in assets if a.id is not None])
    homes = dict(session.exec(select(Location.id, Location.code)).all())
    out = []
    for asset in assets:
        assert asset.id is not None
        giai, epc = _giai_of(idents.get(asset.id, []))
        if needs_giai and giai is None:
            if company_prefix is None:
                raise InvalidInput(
                    f"asset {asset.asset_tag} has no GIAI; set SCANSTATION_GS1_COMPANY_PREFIX "
                    "so one can be allocated, or attach one"
                )
            epc = encode_giai(company_prefix, str(asset.id))
            attach_identifier(session, asset, epc, "epc")
            giai = f"{company_prefix}{asset.id}"
        if needs_giai and epc is None and giai is not None:
            epc = _epc_for(giai, company_prefix)
        home = homes.get(asset.home_location_id) if asset.home_location_id else None
        out.append(LabelContent(asset.asset_tag, asset.name, home, giai, epc))
    return out


def render_labels(
    session: Session, data: LabelsIn, company_prefix: str | None
) -> tuple[bytes, str, int]:
    """(file body, media type, number of labels) for `data`; 422 for a label that cannot be
    made (too long for the stock, no GIAI or EPC for RFID, RFID asked for a PDF)."""
    if data.rfid and data.format != "zpl":
        raise InvalidInput("rfid labels are encoded by the printer: ask for format zpl")
    assets = select_assets(session, data)
    needs_giai = data.symbology == "gs1-datamatrix" or data.rfid
    contents = label_contents(session, assets, needs_giai, company_prefix)
    layout = LAYOUTS[data.layout]
    try:
        if data.format == "zpl":
            missing = [c.asset_tag for c in contents if data.rfid and c.epc is None]
            if missing:
                raise InvalidInput(f"asset {missing[0]} has a GIAI no GIAI EPC can hold")
            body = labels_zpl(contents, layout, data.symbology, data.rfid).encode()
            return body, "text/plain; charset=utf-8", len(contents)
        return (
            labels_pdf(contents, layout, data.symbology, data.skip),
            "application/pdf",
            len(contents),
        )
    except (LabelError, SymbolError, ValueError) as err:
        if isinstance(err, InvalidInput):
            raise
        raise InvalidInput(str(err)) from err
